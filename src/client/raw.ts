import { pythonGuessType } from "./python-mimetypes.js";
import { orientationKeptOrNone } from "./steps.js";
import type { ClientPath } from "./types.js";

/**
 * The file's bytes as they are, behind the MIME type guessed from its name: older LangChain's
 * `image_to_data_url` (langchain-ai/langchain@5241716 libs/core/langchain_core/utils/image.py)
 * base64-encodes the file unchanged and writes `f"data:{mime_type};base64,..."` with
 * `mime_type = mimetypes.guess_type(image_path)[0]`: "data:None;base64," when Python knows no
 * type for the extension, and a wrong type when the extension lies. Many snippets do the same.
 */
export const raw: ClientPath = {
  name: "raw",
  description: "the file's bytes unchanged, MIME guessed from the name (older LangChain)",
  reproduces: "langchain-core image_to_data_url on Python 3.11's built-in mimetypes table",
  source:
    "langchain-ai/langchain@5241716 libs/core/langchain_core/utils/image.py image_to_data_url; CPython 3.11 Lib/mimetypes.py",
  async encode({ image, bytes, name }) {
    const guessed = pythonGuessType(name ?? "");
    const notes: string[] = [];
    if (name === undefined) notes.push("no file name: there is no extension to guess from");
    if (guessed === undefined) notes.push("Python's mimetypes knows no type for this name");
    else if (guessed !== image.info.mime) {
      notes.push(`the name says ${guessed}, the bytes are ${image.info.mime}`);
    }
    return {
      role: "lossy",
      label: `original bytes, MIME from the name (${guessed ?? "None"})`,
      mime: image.info.mime,
      width: image.width,
      height: image.height,
      bytes,
      client: "raw",
      // Python formats None as "None".
      sentPrefix: `data:${guessed ?? "None"};base64,`,
      steps: {
        format: "original",
        alpha: image.info.hasAlpha ? "kept" : "none",
        orientation: orientationKeptOrNone(image),
        icc: image.info.hasIccProfile ? "kept" : "none",
        notes,
      },
    };
  },
};
