// Open-loop load: `node bench/openloop.js '<json>'`, run by bench/bench_checkin.py.
//
// Visitors arrive at a fixed rate whatever the server does: the i-th starts at i / rate
// seconds, even while earlier ones still wait for their answers (a closed loop, as wrk's
// or a thread pool's, would send less when the server slows and so hide its queue).
// Each visitor does what a phone does after scanning a table's QR code:
//
//   POST <path>        the check-in, answered 303 with a cookie;
//   GET  <Location>    the redirect, with that cookie: the page the phone then shows.
//
// or, with "post": false, GET <path> twice (the /healthz baseline, the same shape).
// Every request opens a new connection. Times are taken from the moment the visitor
// was due, not when it was sent, so a late client counts against the figure.
//
// Input: {"base": "http://127.0.0.1:PORT", "paths": [...], "rate": 50, "seconds": 10,
//         "post": true}. Output on stdout, one JSON object:
// {"sent": n, "visits": [[first ms, whole ms, "" or what went wrong], ...]}.
// Nothing but Node's own modules.
"use strict";
const http = require("node:http");

const options = JSON.parse(process.argv[2]);
const base = new URL(options.base);
const total = Math.round(options.rate * options.seconds);
const visits = new Array(total);
let finished = 0;

function request(method, path, headers) {
  return new Promise((resolve) => {
    const req = http.request({
      host: base.hostname, port: base.port, method, path, agent: false,
      headers: { ...headers, ...(method === "POST" ? { "Content-Length": "0",
        "Content-Type": "application/x-www-form-urlencoded" } : {}) },
      timeout: 60000,
    }, (res) => {
      res.on("data", () => {});
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers }));
      res.on("error", (error) => resolve({ status: 0, error: String(error) }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 60 s")));
    req.on("error", (error) => resolve({ status: 0, error: String(error) }));
    req.end();
  });
}

function since(due) {
  return Number(process.hrtime.bigint() - due) / 1e6;
}

async function visit(n, due) {
  const path = options.paths[n % options.paths.length];
  let wrong = "";
  let first = 0;
  if (options.post) {
    const posted = await request("POST", path, {});
    first = since(due);
    const cookie = (posted.headers?.["set-cookie"] || []).map((c) => c.split(";")[0]);
    if (posted.status !== 303 || !posted.headers.location) {
      wrong = `POST answered ${posted.status} ${posted.error || ""}`.trim();
    } else {
      const target = new URL(posted.headers.location, base);
      const page = await request("GET", target.pathname + target.search,
        cookie.length ? { Cookie: cookie.join("; ") } : {});
      if (page.status !== 200) wrong = `page answered ${page.status} ${page.error || ""}`.trim();
    }
  } else {
    const one = await request("GET", path, {});
    first = since(due);
    const two = await request("GET", path, {});
    if (one.status !== 200 || two.status !== 200) {
      wrong = `GET answered ${one.status}, ${two.status}`;
    }
  }
  visits[n] = [first, since(due), wrong];
  finished += 1;
  if (finished === total) {
    process.stdout.write(JSON.stringify({ sent: total, visits }) + "\n");
  }
}

const start = process.hrtime.bigint();
const interval = 1e9 / options.rate;  // nanoseconds between visitors
let next = 0;

function arrive() {
  const now = process.hrtime.bigint();
  // Every visitor due by now starts now, each timed from when it was due.
  while (next < total && start + BigInt(Math.round(next * interval)) <= now) {
    visit(next, start + BigInt(Math.round(next * interval)));
    next += 1;
  }
  if (next < total) {
    const wait = Number(start + BigInt(Math.round(next * interval)) - process.hrtime.bigint());
    setTimeout(arrive, Math.max(0, wait / 1e6));
  }
}

if (total === 0) {
  process.stdout.write(JSON.stringify({ sent: 0, visits: [] }) + "\n");
} else {
  arrive();
}
