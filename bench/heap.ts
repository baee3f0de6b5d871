import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");

/**
 * A full garbage collection, run before a timed section so that it pays neither for garbage left
 * by earlier work nor for moving its just-built inputs to the old generation.
 */
export const collectGarbage = runInNewContext("gc") as () => void;
