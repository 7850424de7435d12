// The web page's only script (served by forensics itself; nothing is loaded from elsewhere): uploads by drag and
// drop or file picker, the analysis progress, the map overlays (opacity, zoom, pan) and the metadata search.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

function setUpUploads(zone) {
  const list = zone.querySelector("[data-upload-list]");
  const maxBytes = Number(zone.dataset.maxBytes);
  let pending = 0;
  let lastUrl = null;
  const send = (file) => {
    const item = document.createElement("li");
    item.textContent = `${file.name}: sending...`;
    list.appendChild(item);
    if (file.size > maxBytes) {
      item.textContent = `${file.name}: larger than this server's limit; not sent.`;
      item.className = "problem";
      return;
    }
    pending += 1;
    fetch(zone.dataset.upload, {
      method: "POST", body: file, credentials: "same-origin",
      headers: {"X-CSRF-Token": csrf(), "X-File-Name": encodeURIComponent(file.name),
                "Content-Type": "application/octet-stream"},
    }).then((response) => response.json().then((answer) => {
      if (!response.ok) {
        item.textContent = answer.error || `${file.name}: refused (${response.status})`;
        item.className = "problem";
        return;
      }
      item.textContent = `${file.name}: taken in as ${answer.exhibit}${answer.new ? "" : " (the same bytes were already held)"}; analysing...`;
      lastUrl = answer.url;
    })).catch(() => {
      item.textContent = `${file.name}: the upload failed (connection lost).`;
      item.className = "problem";
    }).finally(() => {
      pending -= 1;
      if (pending === 0 && lastUrl) {
        window.location.assign(lastUrl);
      }
    });
  };
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    Array.from(event.dataTransfer.files).forEach(send);
  });
  zone.querySelector("[data-file-input]").addEventListener("change", (event) => {
    Array.from(event.target.files).forEach(send);
  });
}

function followProgress(panel) {
  const poll = () => fetch(panel.dataset.progress, {credentials: "same-origin"})
    .then((response) => response.json())
    .then((progress) => {
      if (progress.state === "finished" || progress.state === "failed" || progress.state === "interrupted") {
        window.location.reload();
        return;
      }
      const state = panel.querySelector("[data-state]");
      if (state) { state.textContent = progress.state; }
      // Videos report their frames as they go; pictures, their analysers as each ends.
      const bar = panel.querySelector("[data-fraction]");
      const total = panel.querySelectorAll("[data-analyser]").length;
      const done = Object.keys(progress.analysers || {}).length;
      if (bar) { bar.value = Math.max(progress.fraction || 0, total ? done / total : 0); }
      Object.entries(progress.analysers || {}).forEach(([name, seconds]) => {
        const item = panel.querySelector(`[data-analyser="${CSS.escape(name)}"] span`);
        if (item) { item.textContent = `done in ${seconds} s`; }
      });
      window.setTimeout(poll, 500);
    })
    .catch(() => window.setTimeout(poll, 2000));
  poll();
}

function setUpOverlay(overlay) {
  const viewport = overlay.querySelector(".overlay-viewport");
  const stage = overlay.querySelector(".overlay-stage");
  const map = overlay.querySelector("[data-map]");
  const mapImage = map.querySelector("img");
  const slider = overlay.querySelector("[data-opacity]");
  const layers = overlay.querySelector("[data-layer]");
  // A map's picture area is the figure's top-left part (its colour scale is to the right): the figure is scaled
  // so that this part covers the picture exactly, and the rest falls outside the clipped map layer.
  const showLayer = () => {
    const chosen = layers.selectedOptions[0];
    map.hidden = !chosen.value;
    if (chosen.value) {
      mapImage.src = chosen.value;
      mapImage.style.width = `${100 * Number(chosen.dataset.scale)}%`;
    }
  };
  layers.addEventListener("change", showLayer);
  showLayer();
  document.querySelectorAll("[data-show-layer]").forEach((button) => button.addEventListener("click", () => {
    layers.value = layers.querySelector(`option[data-sha256="${CSS.escape(button.dataset.showLayer)}"]`).value;
    showLayer();
    overlay.scrollIntoView({behavior: "smooth"});
  }));
  let zoom = 1, x = 0, y = 0;
  const apply = () => { stage.style.transform = `translate(${x}px, ${y}px) scale(${zoom})`; };
  const setOpacity = () => { map.style.opacity = String(Number(slider.value) / 100); };
  slider.addEventListener("input", setOpacity);
  setOpacity();
  const zoomBy = (factor, cx, cy) => {
    const next = Math.min(16, Math.max(1, zoom * factor));
    x = cx - (cx - x) * (next / zoom);
    y = cy - (cy - y) * (next / zoom);
    zoom = next;
    if (zoom === 1) { x = 0; y = 0; }
    apply();
  };
  overlay.querySelectorAll("[data-zoom]").forEach((button) => button.addEventListener("click", () => {
    const factor = Number(button.dataset.zoom);
    if (factor === 0) { zoom = 1; x = 0; y = 0; apply(); return; }
    zoomBy(factor, viewport.clientWidth / 2, viewport.clientHeight / 2);
  }));
  viewport.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = viewport.getBoundingClientRect();
    zoomBy(event.deltaY < 0 ? 1.2 : 1 / 1.2, event.clientX - box.left, event.clientY - box.top);
  }, {passive: false});
  let dragging = null;
  viewport.addEventListener("pointerdown", (event) => {
    dragging = {x: event.clientX - x, y: event.clientY - y};
    viewport.setPointerCapture(event.pointerId);
  });
  viewport.addEventListener("pointermove", (event) => {
    if (dragging && zoom > 1) { x = event.clientX - dragging.x; y = event.clientY - dragging.y; apply(); }
  });
  viewport.addEventListener("pointerup", () => { dragging = null; });
}

function setUpFilter(input) {
  const rows = Array.from(document.querySelectorAll(input.dataset.filter));
  const count = document.querySelector("[data-filter-count]");
  const update = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    rows.forEach((row) => {
      const text = row.textContent.toLowerCase();
      const match = words.every((word) => text.includes(word));
      row.hidden = !match;
      shown += match ? 1 : 0;
    });
    if (count) { count.textContent = `${shown} of ${rows.length} shown`; }
  };
  input.addEventListener("input", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-upload]").forEach(setUpUploads);
  document.querySelectorAll("[data-progress]").forEach(followProgress);
  document.querySelectorAll("[data-overlay]").forEach(setUpOverlay);
  document.querySelectorAll("[data-filter]").forEach(setUpFilter);
  document.querySelectorAll("button[data-busy]").forEach((button) => button.form.addEventListener("submit", () => {
    button.disabled = true;
    button.textContent = button.dataset.busy;
  }));
});
