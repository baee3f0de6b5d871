import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { Command } from "commander";
import { cliPath } from "../../test/support/paths.js";
import {
  configFromFlags,
  controllerNamespace,
  flagValues,
  registerControllerSealedSecrets,
} from "./controller-sealed-secrets.js";
import { textLine } from "./controller-sealed-secrets-run.js";

function parsed(args: string[]): Command {
  const program = new Command("secretfleet").exitOverride();
  registerControllerSealedSecrets(program);
  const command = program.commands.find((c) => c.name() === "controller")?.commands[0];
  assert.ok(command);
  command.action(() => undefined);
  program.parse(["controller", "sealed-secrets", ...args], { from: "user" });
  return command;
}

test("flags come from the command line, else SEALED_SECRETS_<FLAG>, else upstream's defaults", async () => {
  const values = flagValues(
    parsed(["--key-size", "2048", "--update-status=false", "--old-gc-behavior"]),
    {
      SEALED_SECRETS_KEY_SIZE: "3072",
      SEALED_SECRETS_RATE_LIMIT: "7",
      SEALED_SECRETS_KEY_RENEW_PERIOD: "1h30m",
    },
  );
  const config = await configFromFlags(values, "kube-system");
  assert.equal(config.keySize, 2048, "the command line wins");
  assert.equal(config.rateLimit, 7, "the environment fills in");
  assert.equal(config.keyRenewPeriodMs, 90 * 60_000);
  assert.equal(config.updateStatus, false);
  assert.equal(config.oldGcBehavior, true);
  assert.equal(config.keyPrefix, "sealed-secrets-key");
  assert.equal(config.keyTtlMs, 87_600 * 3_600_000);
  assert.deepEqual(config.listenAddr, { host: "", port: 8080 });
  assert.equal(config.controllerNamespace, "kube-system");
});

test("bad flag values are usage errors naming the flag", async () => {
  const attempt = (args: string[], env: Record<string, string> = {}) =>
    configFromFlags(flagValues(parsed(args), env), "ns");
  await assert.rejects(attempt(["--key-size", "big"]), {
    message:
      'invalid argument "big" for "--key-size" flag: strconv.ParseInt: parsing: invalid syntax',
    exitCode: 2,
  });
  await assert.rejects(
    attempt([], { SEALED_SECRETS_KEY_TTL: "10d" }),
    /for "--key-ttl" flag: time: unknown unit "d" in duration "10d"/,
  );
  await assert.rejects(attempt(["--key-prefix", "Bad"]), {
    message: "name contains illegal character B",
    exitCode: 1,
  });
  await assert.rejects(attempt(["--key-cutoff-time", "yesterday"]), /cannot parse/);
  await assert.rejects(attempt(["--privatekey-labels", "novalue"]), /pair 1 is not key=value/);
});

test("the controller namespace is POD_NAMESPACE, else the service account's, else default", () => {
  assert.equal(controllerNamespace({ POD_NAMESPACE: "sys" }, "/nonexistent"), "sys");
  assert.equal(controllerNamespace({}, "/nonexistent"), "default");
});

test("--log-format text prints slog-like lines", () => {
  const line = textLine(
    JSON.stringify({ level: 40, time: 0, msg: "key skipped", secret: "my key", n: 3 }),
  );
  assert.equal(
    line,
    'time=1970-01-01T00:00:00.000Z level=WARN msg="key skipped" secret="my key" n=3\n',
  );
});

test("`controller sealed-secrets --help` lists upstream's flags and ours", () => {
  const help = spawnSync(process.execPath, [cliPath, "controller", "sealed-secrets", "--help"], {
    encoding: "utf8",
  });
  assert.equal(help.status, 0);
  for (const flag of [
    "--key-renew-period",
    "--key-cutoff-time",
    "--rate-limit-burst",
    "--leader-elect",
    "--kubeconfig",
  ])
    assert.ok(help.stdout.includes(flag), flag);
});

test("`controller sealed-secrets` without a kubeconfig fails with a clear message", () => {
  const result = spawnSync(process.execPath, [cliPath, "controller", "sealed-secrets"], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", KUBECONFIG: "/nonexistent", HOME: "/nonexistent" },
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^error: no kubeconfig found/m);
});
