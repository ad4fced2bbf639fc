// The Task Complexity settings page in a real browser (Debian's chromium,
// driven by playwright-core): it loads the config, a change of mode in the
// page is saved to config.yaml and used by the next estimate, a mistake is
// caught in the page before any request, an endpoint edited lands in the
// router section, the try-it box shows the estimate
// with its dimensions and marked words, the live view counts decisions, and
// the page fits a phone's width. Screenshots at desktop and phone width go to
// OUT_DIR for a person to look at.
//
// usage: node settings_page.js URL CONFIG_YAML OUT_DIR
// Prints one "ok ..." line per check; exits 1 at the first failure.
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const [url, configPath, outDir] = process.argv.slice(2);
const executablePath = process.env.CX_CHROMIUM || "/usr/bin/chromium";

function check(cond, what) {
  if (!cond) {
    console.log("FAIL: " + what);
    process.exit(1);
  }
  console.log("ok " + what);
}

async function waitFor(fn, what, ms = 5000) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  check(false, what + " (waited " + ms + " ms)");
}

async function estimate(text) {
  const r = await fetch(url + "v1/estimate", { method: "POST", body: JSON.stringify({ text }) });
  return r.json();
}

(async () => {
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await waitFor(async () => (await page.textContent("#model-text")).includes("model loaded"), "the model state shows");
    check((await page.inputValue("#ml_estimation_mode")) === "ml_only", "the page shows the config's mode (ml_only)");

    // Change the mode in the page and save: config.yaml changes, the next estimate uses it.
    await page.selectOption("#ml_estimation_mode", "hybrid");
    await page.click("#save");
    await waitFor(async () => (await page.textContent("#message")).startsWith("Saved and applied"), "the save is confirmed");
    check(/^  ml_estimation_mode: hybrid$/m.test(fs.readFileSync(configPath, "utf8")), "config.yaml says hybrid");
    check((await estimate("Write a haiku about rain")).estimation_method === "hybrid_ml", "the next estimate blends (hybrid_ml)");

    // A mistake is caught in the page: nothing is sent, the field is outlined.
    const before = fs.readFileSync(configPath, "utf8");
    await page.fill("#tb_simple", "0.05");
    await page.click("#save");
    check((await page.textContent("#message")).includes("boundaries must increase"), "a decreasing boundary is refused in the page");
    check(await page.$eval("#tb_simple", (el) => el.classList.contains("invalid")), "the wrong field is outlined");
    check(fs.readFileSync(configPath, "utf8") === before, "config.yaml untouched by the refused save");
    await page.click("#reset");

    // An endpoint edited in the page lands in the router section; a key pasted where its variable's name goes is refused.
    await page.fill("#ep_standard_base_url", "http://127.0.0.1:8001/v1");
    await page.fill("#ep_standard_model", "qwen-from-page");
    await page.click("#save-endpoints");
    await waitFor(async () => (await page.textContent("#endpoints-msg")).includes("saved"), "the endpoints are saved");
    check(/^    standard: \{base_url: "http:\/\/127\.0\.0\.1:8001\/v1", api_key_env: "", model: "qwen-from-page"\}$/m
            .test(fs.readFileSync(configPath, "utf8")), "config.yaml has the standard endpoint");
    await page.fill("#ep_standard_api_key_env", "sk-live-123");
    await page.click("#save-endpoints");
    await waitFor(async () => (await page.textContent("#endpoints-msg")).includes("environment variable"), "a key is refused");
    check(await page.$eval("#ep_standard_api_key_env", (el) => el.classList.contains("invalid")), "the key field is outlined");

    // Try it: the estimate, the dimensions as bars, the words that moved the model.
    await page.fill("#try-text", "Design a distributed rate limiter in Go with Redis and analyze its failure modes");
    await page.click("#try");
    await waitFor(async () => (await page.textContent("#try-summary")).includes("score"), "the try-it result shows");
    check((await page.$$("#try-dims .bar")).length === 9, "nine dimension bars");
    check((await page.$$("#try-text-view mark")).length > 0, "words that moved the score are marked");
    check((await page.textContent("#try-ml")).includes("intent"), "the model's intent and domains are shown");
    await waitFor(async () => (await page.textContent("#live")).includes("p99"), "the live view counts decisions");
    await page.screenshot({ path: path.join(outDir, "settings_desktop.png"), fullPage: true });

    // Phone width: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await waitFor(async () => (await page.textContent("#model-text")).includes("model"), "the page loads at phone width");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, "no horizontal scrolling at 390 px (overflow " + overflow + " px)");
    await page.screenshot({ path: path.join(outDir, "settings_phone.png"), fullPage: true });
    check(errors.length === 0, "no script errors" + (errors.length ? ": " + errors.join("; ") : ""));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.log("FAIL: " + e);
  process.exit(1);
});
