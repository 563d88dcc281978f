import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import { analyseImage, analyseRequest } from "../../src/proxy/analyse.js";
import { describeImage } from "../../src/proxy/describe.js";
import { gateFailures } from "../../src/proxy/gates.js";
import { skipUnlessPython } from "../helpers/python.js";
import { seedDataUri } from "../helpers/seed.js";

const skip = skipUnlessPython(["PIL"]);
let seed = "";
let png: Buffer;

before(async () => {
  if (skip === false) seed = seedDataUri();
  png = await sharp({ create: { width: 8, height: 6, channels: 3, background: "#3366cc" } })
    .png()
    .toBuffer();
});

describe("analyseRequest", () => {
  test("the seed's Pillow JPEG: quality 75, 4:2:0, Pillow's default save, missing subtype", {
    skip,
  }, async () => {
    const body = {
      model: "qwen",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: seed } }] }],
    };
    const { api, images } = await analyseRequest(body, { path: "/v1/chat/completions" });
    assert.equal(api, "openai-chat");
    const [image] = images;
    assert.ok(image?.report);
    assert.equal(image.report.container, "jpeg");
    assert.deepEqual([image.report.image?.width, image.report.image?.height], [96, 64]);
    assert.equal(image.report.jpeg?.quality, 75);
    assert.equal(image.report.jpeg?.subsampling, "4:2:0");
    assert.equal(image.report.identification?.candidates[0]?.client, "pillow");
    assert.ok(image.findings.some((f) => f.code === "missing-subtype"));
    assert.equal(
      describeImage(image),
      "JPEG 96x64 q75 4:2:0, likely Pillow's default save (2 others write the same bytes); data:image;base64 has no subtype [missing-subtype]",
    );
    assert.deepEqual(gateFailures(image, { minQuality: 90 }), ["quality 75 is below 90"]);
    assert.deepEqual(gateFailures(image, { failOn: ["missing-subtype"] }), [
      "missing-subtype (warning)",
    ]);
    assert.deepEqual(gateFailures(image, { failOn: ["error"], minQuality: 75 }), []);
  });

  test("Anthropic's media_type is checked against the bytes", async () => {
    const body = {
      messages: [
        {
          role: "user",
          content: [
            {
              type: "image",
              source: { type: "base64", media_type: "image/jpeg", data: png.toString("base64") },
            },
          ],
        },
      ],
    };
    const [image] = (await analyseRequest(body, { path: "/v1/messages" })).images;
    assert.ok(image?.report);
    assert.equal(image.report.container, "png");
    assert.ok(image.findings.some((f) => f.code === "media-type-mismatch"));
    assert.match(
      describeImage(image),
      /^PNG 8x6.*media_type "image\/jpeg" does not match the bytes \[media-type-mismatch\]/,
    );
  });

  test("Ollama's bare base64: analysed without a data-URI header; a data URI there is refused", async () => {
    const good = await analyseImage(
      { where: "images[0]", transport: "bare-base64", value: png.toString("base64") },
      { index: 1, count: 2 },
    );
    assert.equal(good.report?.container, "png");
    assert.equal(good.report?.dataUri, undefined);
    assert.equal(good.report?.servers, undefined);
    assert.deepEqual(good.findings, []);
    const bad = await analyseImage(
      {
        where: "images[1]",
        transport: "bare-base64",
        value: `data:image/png;base64,${png.toString("base64")}`,
      },
      { index: 2, count: 2 },
    );
    assert.equal(bad.report, undefined);
    assert.ok(
      bad.findings.some((f) => f.severity === "error"),
      JSON.stringify(bad.findings),
    );
    assert.deepEqual(gateFailures(bad, { failOn: ["error"] }).length > 0, true);
  });

  test("a URL: its secrets masked, and the named server's refusal is a finding", async () => {
    const image = await analyseImage(
      { where: "x", transport: "url", value: "https://u:pw@x.test/a.png?X-Amz-Signature=abc" },
      { index: 1, count: 1 },
      { server: "ollama" },
    );
    assert.equal(image.reference, "https://u:***@x.test/a.png?X-Amz-Signature=***");
    assert.deepEqual(
      image.findings.map((f) => f.code),
      ["server-rejects-data-uri"],
    );
    assert.doesNotMatch(JSON.stringify(image), /abc|pw@/);
  });
});
