// The portal's and the driver app's behaviour: htmx (with server-sent events), the map, the charts,
// and a few small progressive enhancements. Every page works without them where it can.
import "./htmx-global.js";
import "htmx-ext-sse";
import L from "leaflet";
import uPlot from "uplot";
import QRCode from "qrcode";

window.L = L;
window.uPlot = uPlot;

// Error answers (4xx/5xx) carry a fragment for the page too (the portal retargets it to #flash).
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "[45]..", swap: true, error: true },
];

// Forms that should act as soon as a choice is made (the language switcher).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) form.requestSubmit();
});

// The browser knows the viewer's time zone: sign-up and invitation forms send it.
// Elements under `root` that match, `root` itself included (a live update may swap in the element itself).
function within(root, selector) {
  const found = Array.from(root.querySelectorAll(selector));
  if (root.matches && root.matches(selector)) found.unshift(root);
  return found;
}

function fillTimeZones(root) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  within(root, "input[data-time-zone]").forEach((input) => {
    if (!input.value && zone) input.value = zone;
  });
}

// A map: <div data-map='{"tiles": "...", "attribution": "...", "markers": [{lat, lng, label, url, state}]}'>.
// When no tile server is set or its tiles cannot load, the map stays usable on a plain background.
function drawMaps(root) {
  within(root, "[data-map]:not([data-map-drawn])").forEach((element) => {
    element.setAttribute("data-map-drawn", "");
    const spec = JSON.parse(element.getAttribute("data-map"));
    const map = L.map(element, { scrollWheelZoom: false });
    const plain = () => element.classList.add("map-plain");
    if (spec.tiles) {
      const layer = L.tileLayer(spec.tiles, { attribution: spec.attribution || "", maxZoom: 19 });
      layer.on("tileerror", plain);
      layer.addTo(map);
    } else {
      plain();
    }
    const points = [];
    for (const marker of spec.markers || []) {
      if (marker.lat == null || marker.lng == null) continue;
      const point = L.circleMarker([marker.lat, marker.lng], {
        radius: 9, weight: 2, className: `marker marker-${marker.state || "unknown"}`,
      }).addTo(map);
      const label = document.createElement("a");
      label.textContent = marker.label;
      if (marker.url) label.href = marker.url;
      const popup = document.createElement("div");
      popup.appendChild(label);
      if (marker.detail) {
        const detail = document.createElement("div");
        detail.textContent = marker.detail;
        popup.appendChild(detail);
      }
      point.bindPopup(popup);
      point.bindTooltip(marker.label);
      points.push([marker.lat, marker.lng]);
    }
    if (points.length) map.fitBounds(points, { padding: [30, 30], maxZoom: 15 });
    else map.setView([spec.lat || 59.4, spec.lng || 24.7], spec.zoom || 5);
  });
}

// A chart: <div data-chart='{"x": [unix seconds], "series": [{"label": "kW", "values": [...]}]}'>.
function drawCharts(root) {
  within(root, "[data-chart]:not([data-chart-drawn])").forEach((element) => {
    element.setAttribute("data-chart-drawn", "");
    const spec = JSON.parse(element.getAttribute("data-chart"));
    const colours = ["#0b7a4b", "#1d4ed8", "#b45309"];
    // Times in the viewer's time zone (the page's, not the browser's), on a 24-hour clock, in the page's language.
    const clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: spec.time_zone || undefined });
    const at = (t) => (t == null ? "" : clock.format(new Date(t * 1000)));
    const series = [{ label: spec.x_label || "", value: (u, t) => at(t) }].concat(spec.series.map((s, i) => ({
      label: s.label, stroke: colours[i % colours.length], width: 2, scale: s.scale || s.label,
    })));
    const axes = [{ values: (u, ticks) => ticks.map(at) }].concat(spec.series.map((s, i) => ({
      scale: s.scale || s.label, label: s.label, side: i === 0 ? 3 : 1, grid: { show: i === 0 },
    })));
    const width = Math.max(280, element.clientWidth || 600);
    new uPlot({ width, height: spec.height || 260, series, axes }, [spec.x].concat(spec.series.map((s) => s.values)),
      element);
  });
}

// A QR code of a setup link (the second factor's otpauth:// URI), drawn here so the server need not:
// <div data-qr="otpauth://..." role="img" aria-label="...">. The key and the link stay on the page too.
function drawQrCodes(root) {
  within(root, "[data-qr]").forEach((box) => {
    QRCode.toString(box.dataset.qr, { type: "svg", margin: 1, errorCorrectionLevel: "M" }, (error, svg) => {
      if (!error) box.innerHTML = svg;
    });
  });
}

function enhance(root) {
  fillTimeZones(root);
  drawMaps(root);
  drawCharts(root);
  drawQrCodes(root);
}

document.addEventListener("DOMContentLoaded", () => enhance(document));
document.addEventListener("htmx:load", (event) => enhance(event.target));

// The driver app works offline as far as its shell goes (installable web app).
if ("serviceWorker" in navigator && document.documentElement.dataset.app === "driver") {
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app" }).catch(() => {});
}
