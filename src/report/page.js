"use strict";
(() => {
  const views = (e) => e.querySelector(".views");
  const press = (e, attr, value) => {
    for (const b of e.querySelectorAll("button[data-" + attr + "]")) b.setAttribute("aria-pressed", String(b.getAttribute("data-" + attr) === value));
  };
  const status = (e) => {
    const v = views(e), out = e.querySelector(".status"), m = v.dataset.mode;
    out.textContent = m === "flip" ? "showing " + (v.dataset.show === "a" ? v.dataset.labelA : v.dataset.labelB) + " · click or F flips"
      : m === "slide" ? "left: " + v.dataset.labelA + " · right: " + v.dataset.labelB : "";
  };
  const mode = (e, m) => { views(e).dataset.mode = m; press(e, "mode", m); status(e); };
  const flip = (e) => {
    const v = views(e);
    v.dataset.show = v.dataset.mode === "flip" && v.dataset.show === "b" ? "a" : "b";
    mode(e, "flip");
  };
  const split = (e, pct) => {
    pct = Math.round(Math.min(100, Math.max(0, pct)) * 10) / 10;
    views(e).style.setProperty("--split", pct + "%");
    e.querySelector("input.split").value = String(pct);
    if (views(e).dataset.mode !== "slide") mode(e, "slide");
  };
  const ZOOMS = ["fit", "1", "2", "4"];
  const zoom = (e, z) => {
    e.dataset.zoom = z; press(e, "zoom", z);
    for (const img of e.querySelectorAll(".views img")) img.style.width = z === "fit" ? "" : Number(img.getAttribute("width")) * Number(z) + "px";
  };
  const viewerOf = (t) => (t instanceof Element ? t.closest(".viewer") : null);
  const current = () => {
    const e = viewerOf(document.activeElement) || document.querySelector(".viewer:hover");
    if (e) return e;
    const all = document.querySelectorAll(".viewer");
    return all.length === 1 ? all[0] : null;
  };
  document.addEventListener("click", (ev) => {
    const t = ev.target, e = viewerOf(t);
    if (!e || !views(e)) return;
    const b = t.closest("button");
    if (b && b.dataset.mode) { if (b.dataset.mode === "flip") flip(e); else mode(e, b.dataset.mode); }
    else if (b && b.dataset.zoom) zoom(e, b.dataset.zoom);
    else if (t.closest(".views[data-mode=flip] .pair")) flip(e);
  });
  document.addEventListener("input", (ev) => {
    const t = ev.target, e = viewerOf(t);
    if (e && t.matches("input.split")) split(e, Number(t.value));
  });
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || (t instanceof HTMLElement && (t.isContentEditable || t.matches("textarea,select,input:not([type=range])")))) return;
    const e = current(), k = ev.key.toLowerCase();
    if (!e || !views(e)) return;
    if (k === "f") flip(e);
    else if (k === "s") mode(e, "slide");
    else if (k === "b") mode(e, "side");
    else if (k === "z") zoom(e, ZOOMS[(ZOOMS.indexOf(e.dataset.zoom) + 1) % ZOOMS.length]);
    else return;
    ev.preventDefault();
  });
  let drag = null;
  const at = (e, ev) => {
    const r = e.querySelector(".pane.b img").getBoundingClientRect();
    if (r.width > 0) split(e, ((ev.clientX - r.left) / r.width) * 100);
  };
  document.addEventListener("pointerdown", (ev) => {
    const pair = ev.button === 0 && ev.target instanceof Element ? ev.target.closest(".views[data-mode=slide] .pair") : null;
    if (!pair) return;
    drag = viewerOf(pair);
    pair.setPointerCapture(ev.pointerId);
    at(drag, ev);
    ev.preventDefault();
  });
  document.addEventListener("pointermove", (ev) => { if (drag) at(drag, ev); });
  document.addEventListener("pointerup", () => { drag = null; });
  document.addEventListener("pointercancel", () => { drag = null; });
  // Zoomed panes scroll together; a position set here echoes back as a scroll event, ignored.
  const echo = new WeakMap();
  document.addEventListener("scroll", (ev) => {
    const s = ev.target;
    if (!(s instanceof Element) || !s.classList.contains("scroll")) return;
    const x = s.scrollLeft, y = s.scrollTop, want = echo.get(s);
    if (want && want[0] === x && want[1] === y) { echo.delete(s); return; }
    for (const o of viewerOf(s).querySelectorAll(".scroll")) {
      if (o === s || (o.scrollLeft === x && o.scrollTop === y)) continue;
      o.scrollLeft = x; o.scrollTop = y;
      echo.set(o, [o.scrollLeft, o.scrollTop]);
    }
  }, true);
})();
