import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fixture, runMain } from "../helpers/cli.js";

const logo = fixture("logo-alpha.png");
const dataUri = `data:image/png;base64,${readFileSync(logo).toString("base64")}`;

describe("--server", () => {
  test("compare --client --server: each path seen by the model through that server", async () => {
    const { code, stdout } = await runMain([
      "compare",
      logo,
      "--client",
      "pillow,gradio",
      "--server",
      "qwen-vl-utils",
      "--json",
    ]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.model.server, "qwen-vl-utils");
    assert.equal(report.model.plan.model, "qwen2.5-vl");
    for (const client of report.clients) {
      assert.equal(client.model.server, "qwen-vl-utils", client.client);
      assert.deepEqual(client.model.payloadPlan, report.model.plan);
      // The reference is composited onto white; both paths drop alpha: the model sees it.
      assert.ok(client.model.metrics.psnr < 10, `${client.client} ${client.model.metrics.psnr}`);
    }
    const text = await runMain([
      "compare",
      logo,
      "--client",
      "pillow,gradio",
      "--server",
      "qwen-vl-utils",
    ]);
    assert.match(text.stdout, /what qwen2\.5-vl sees through qwen-vl-utils/);
    assert.match(text.stdout, /^pillow +accepted +308x196 +77 /m);
    // Pillow's data:image;base64, prefix is one Ollama's decodeImageURL refuses.
    const ollama = await runMain([
      "compare",
      logo,
      "--client",
      "pillow,gradio",
      "--server",
      "ollama-go",
      "--json",
    ]);
    const [pillow, gradio] = JSON.parse(ollama.stdout).clients;
    assert.equal(pillow.sent.accepted, false);
    assert.equal(pillow.sent.reason, "invalid image input");
    assert.equal(gradio.sent.accepted, true);
  });

  test("a model the server does not serve is a usage error on every command", async () => {
    for (const args of [
      ["compare", logo, "--server", "anthropic", "--model", "qwen2.5-vl"],
      ["inspect", logo, "--server", "anthropic", "--model", "qwen2.5-vl"],
      ["check", logo, "--server", "anthropic", "--model", "qwen2.5-vl"],
      ["encode", logo, "--server", "anthropic", "--model-view", "qwen2.5-vl"],
    ]) {
      const { code, stdout, stderr } = await runMain(args);
      assert.equal(code, 2, args.join(" "));
      assert.equal(stdout, "");
      assert.equal(
        stderr,
        "imgenc: server anthropic does not serve qwen2.5-vl; it serves claude\n",
        args[0],
      );
    }
  });

  test("inspect lists each server's verdict; --server asks one and exits 1 when it rejects", async () => {
    const all = await runMain(["inspect", dataUri, "--json"]);
    const report = JSON.parse(all.stdout);
    assert.ok(report.servers.length >= 3);
    assert.ok(report.servers.every((s: { accepted: boolean }) => s.accepted));
    assert.equal(report.accepted, undefined);

    const upper = dataUri.replace("data:image", "data:IMAGE");
    const one = await runMain(["inspect", upper, "--server", "qwen-vl-utils", "--json"]);
    assert.equal(one.code, 1);
    const rejected = JSON.parse(one.stdout);
    assert.equal(rejected.accepted, false);
    assert.equal(rejected.servers.length, 1);
    assert.match(rejected.servers[0].reason, /No such file or directory/);
    const text = await runMain(["inspect", upper, "--server", "openai"]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /✔ openai +accepts/);
  });

  test("encode --model-view --server makes the server's view; --server alone is a usage error", async () => {
    const named = await runMain([
      "encode",
      logo,
      "--model-view",
      "qwen2.5-vl",
      "--server",
      "qwen-vl-utils",
    ]);
    const plain = await runMain(["encode", logo, "--model-view", "qwen2.5-vl"]);
    assert.equal(named.code, 0);
    assert.equal(named.stdout, plain.stdout);
    const alone = await runMain(["encode", logo, "--server", "qwen-vl-utils"]);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /^imgenc: --server names the server .* add --model-view <model>\n$/);
  });
});
