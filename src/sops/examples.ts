// The documents `sops edit` starts a new file from (sops's EmitExample per store).
import type { Format } from "./stores/index.js";
import { comment, floatValue, treeList, treeMap, type TreeBranches } from "./tree.js";

const WELCOME = "Welcome to SOPS! Edit this file as you please!";

/**
 * The example document sops opens in the editor for a file that does not exist yet: the complex
 * tree for YAML and JSON, the flat one for dotenv, the one-section tree for INI, a sentence for
 * binary files.
 */
export function exampleDocument(format: Format): TreeBranches {
  switch (format) {
    case "yaml":
    case "json":
      return [
        treeMap([
          { key: "hello", value: WELCOME },
          { key: "example_key", value: "example_value" },
          { key: comment(" Example comment"), value: null },
          { key: "example_array", value: treeList(["example_value1", "example_value2"]) },
          { key: "example_number", value: floatValue(1234.56789) },
          { key: "example_booleans", value: treeList([true, false]) },
        ]),
      ];
    case "dotenv":
      return [
        treeMap([
          { key: comment(" This is an example file."), value: null },
          { key: "hello", value: WELCOME },
          { key: "example_key", value: "example_value" },
          { key: "example_multiline", value: "foo\nbar\nbaz" },
        ]),
      ];
    case "ini":
      return [
        treeMap([
          {
            key: "Welcome!",
            value: treeMap([
              { key: comment(" This is an example file."), value: null },
              { key: "hello", value: WELCOME },
              { key: "example_key", value: "example_value" },
            ]),
          },
        ]),
      ];
    case "binary":
      return [treeMap([{ key: "data", value: WELCOME }])];
  }
}
