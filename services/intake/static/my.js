// "My entries": colour each stage badge (a file, not inline, so the CSP allows only 'self' scripts).
import { stageClass } from "./format.js";

for (const badge of document.querySelectorAll("[data-stage]")) badge.className = stageClass(badge.dataset.stage);
