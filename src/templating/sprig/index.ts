// Sprig v3's function map (GenericFuncMap) as the engine's FunctionMap. `env`, `expandenv` and
// `getHostByName` are not provided: every consumer we are compatible with removes the first two,
// Sealed Secrets and Argo CD remove all three, and a template must not reach the network.
import type { GoFunc } from "../value.js";
import { collectionFunctions } from "./collections.js";
import { cryptoFunctions } from "./crypto.js";
import { dateFunctions } from "./dates.js";
import { miscFunctions } from "./misc.js";
import { numericFunctions } from "./numeric.js";
import { semverFunctions } from "./semver.js";
import { stringFunctions } from "./strings.js";

/** Sprig's functions by name. */
export const sprigFunctions: Readonly<Record<string, GoFunc>> = Object.freeze({
  ...stringFunctions,
  ...collectionFunctions,
  ...numericFunctions,
  ...miscFunctions,
  ...dateFunctions,
  ...cryptoFunctions,
  ...semverFunctions,
});
