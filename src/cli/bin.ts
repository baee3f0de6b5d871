#!/usr/bin/env node
import { enableCompileCache } from "node:module";

// Cache compiled code between runs: it cuts the start-up of every command (seal runs in scripts).
enableCompileCache();
const { main } = await import("./main.js");

process.exitCode = await main(process.argv.slice(2));
