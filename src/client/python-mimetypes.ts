/**
 * `mimetypes.guess_type(path)[0]` as Python 3.11 answers it from its built-in tables
 * (/usr/lib/python3.11/mimetypes.py of Debian's 3.11.2, `MimeTypes.guess_type`,
 * `_types_map_default`, `_encodings_map_default`, `_suffix_map_default`). The module-level
 * `mimetypes.guess_type` also reads the host's /etc/mime.types and the other
 * `mimetypes.knownfiles` when they exist, whose entries override these (Debian's media-types
 * adds .webp, .jfif, .jp2 ...): the same call answers differently from host to host, and these
 * tables are the answer on a host without those files. Python 3.11's own table has no .webp.
 */

/** `_types_map_default` (strict), by type: the extensions that map to it, without dots. */
const TYPES: Record<string, string> = {
  "application/javascript": "js mjs",
  "application/json": "json",
  "application/manifest+json": "webmanifest",
  "application/msword": "doc dot wiz",
  "application/n-quads": "nq",
  "application/n-triples": "nt",
  "application/octet-stream": "bin a dll exe o obj so",
  "application/oda": "oda",
  "application/pdf": "pdf",
  "application/pkcs7-mime": "p7c",
  "application/postscript": "ps ai eps",
  "application/trig": "trig",
  "application/vnd.apple.mpegurl": "m3u m3u8",
  "application/vnd.ms-excel": "xls xlb",
  "application/vnd.ms-powerpoint": "ppt pot ppa pps pwz",
  "application/wasm": "wasm",
  "application/x-bcpio": "bcpio",
  "application/x-cpio": "cpio",
  "application/x-csh": "csh",
  "application/x-dvi": "dvi",
  "application/x-gtar": "gtar",
  "application/x-hdf": "hdf",
  "application/x-hdf5": "h5",
  "application/x-latex": "latex",
  "application/x-mif": "mif",
  "application/x-netcdf": "cdf nc",
  "application/x-pkcs12": "p12 pfx",
  "application/x-pn-realaudio": "ram",
  "application/x-python-code": "pyc pyo",
  "application/x-sh": "sh",
  "application/x-shar": "shar",
  "application/x-shockwave-flash": "swf",
  "application/x-sv4cpio": "sv4cpio",
  "application/x-sv4crc": "sv4crc",
  "application/x-tar": "tar",
  "application/x-tcl": "tcl",
  "application/x-tex": "tex",
  "application/x-texinfo": "texi texinfo",
  "application/x-troff": "roff t tr",
  "application/x-troff-man": "man",
  "application/x-troff-me": "me",
  "application/x-troff-ms": "ms",
  "application/x-ustar": "ustar",
  "application/x-wais-source": "src",
  "application/xml": "xsl rdf wsdl xpdl",
  "application/zip": "zip",
  "audio/3gpp": "3gp 3gpp",
  "audio/3gpp2": "3g2 3gpp2",
  "audio/aac": "aac adts loas ass",
  "audio/basic": "au snd",
  "audio/mpeg": "mp3 mp2",
  "audio/opus": "opus",
  "audio/x-aiff": "aif aifc aiff",
  "audio/x-pn-realaudio": "ra",
  "audio/x-wav": "wav",
  "image/avif": "avif",
  "image/bmp": "bmp",
  "image/gif": "gif",
  "image/ief": "ief",
  "image/jpeg": "jpg jpe jpeg",
  "image/heic": "heic",
  "image/heif": "heif",
  "image/png": "png",
  "image/svg+xml": "svg",
  "image/tiff": "tiff tif",
  "image/vnd.microsoft.icon": "ico",
  "image/x-cmu-raster": "ras",
  "image/x-portable-anymap": "pnm",
  "image/x-portable-bitmap": "pbm",
  "image/x-portable-graymap": "pgm",
  "image/x-portable-pixmap": "ppm",
  "image/x-rgb": "rgb",
  "image/x-xbitmap": "xbm",
  "image/x-xpixmap": "xpm",
  "image/x-xwindowdump": "xwd",
  "message/rfc822": "eml mht mhtml nws",
  "text/css": "css",
  "text/csv": "csv",
  "text/html": "html htm",
  "text/n3": "n3",
  "text/plain": "txt bat c h ksh pl srt",
  "text/richtext": "rtx",
  "text/tab-separated-values": "tsv",
  "text/vtt": "vtt",
  "text/x-python": "py",
  "text/x-setext": "etx",
  "text/x-sgml": "sgm sgml",
  "text/x-vcard": "vcf",
  "text/xml": "xml",
  "video/mp4": "mp4",
  "video/mpeg": "mpeg m1v mpa mpe mpg",
  "video/quicktime": "mov qt",
  "video/webm": "webm",
  "video/x-msvideo": "avi",
  "video/x-sgi-movie": "movie",
};

const TYPE_OF_EXTENSION = new Map(
  Object.entries(TYPES).flatMap(([type, exts]) => exts.split(" ").map((e) => [`.${e}`, type])),
);

/** `_encodings_map_default`: matched case-sensitively. */
const ENCODINGS = new Set([".gz", ".Z", ".bz2", ".xz", ".br"]);

/** `_suffix_map_default`: matched on the lower-cased extension. */
const SUFFIXES = new Map([
  [".svgz", ".svg.gz"],
  [".tgz", ".tar.gz"],
  [".taz", ".tar.gz"],
  [".tz", ".tar.gz"],
  [".tbz2", ".tar.bz2"],
  [".txz", ".tar.xz"],
]);

/** The MIME type Python 3.11 guesses for a path or URL, or undefined where it returns None. */
export function pythonGuessType(url: string): string | undefined {
  // urllib.parse._splittype: a scheme is everything before the first ":" when no "/" precedes it.
  const scheme = /^([^/:]+):([\s\S]*)$/.exec(url);
  let rest = url;
  if (scheme !== null) {
    rest = scheme[2] as string;
    if ((scheme[1] as string).toLowerCase() === "data") return dataUrlType(rest);
  }
  let [base, ext] = splitext(rest);
  for (let mapped = SUFFIXES.get(ext.toLowerCase()); mapped !== undefined; ) {
    [base, ext] = splitext(base + mapped);
    mapped = SUFFIXES.get(ext.toLowerCase());
  }
  if (ENCODINGS.has(ext)) [base, ext] = splitext(base);
  return TYPE_OF_EXTENSION.get(ext.toLowerCase());
}

/** guess_type's data-URL branch: the declared type, "text/plain" when it is not type/subtype. */
function dataUrlType(rest: string): string | undefined {
  const comma = rest.indexOf(",");
  if (comma < 0) return undefined;
  const semi = rest.slice(0, comma).indexOf(";");
  const type = semi >= 0 ? rest.slice(0, semi) : rest.slice(0, comma);
  return type.includes("=") || !type.includes("/") ? "text/plain" : type;
}

/** posixpath.splitext: the last dot after the last "/", unless only dots precede it. */
function splitext(path: string): [string, string] {
  const sep = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot > sep) {
    for (let i = sep + 1; i < dot; i++) {
      if (path[i] !== ".") return [path.slice(0, dot), path.slice(dot)];
    }
  }
  return [path, ""];
}
