/**
 * A real vision model on this machine: Tesseract behind an OpenAI- and Anthropic-compatible
 * server on 127.0.0.1, the one ask's tests use. Answers a question with the text Tesseract reads
 * from the decoded image, so the answers depend on the pixels each variant delivers.
 *
 *   node dist/scripts/ocr-server.js [port]     then: imgenc ask ... --endpoint <printed URL>/v1 --model tesseract
 */
import { startOcrServer } from "../test/helpers/ocr-server.js";

const port = Number(process.argv[2] ?? 0);
const server = await startOcrServer({ port: Number.isInteger(port) ? port : 0 });
process.stdout.write(`${server.url}/v1 serves model "tesseract"; Ctrl-C stops it\n`);
process.once("SIGINT", () => void server.close());
