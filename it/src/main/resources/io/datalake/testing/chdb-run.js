// Runs SQL statements on chdb, the current ClickHouse engine in-process, for CurrentClickHouse.java.
// stdin: {"session": "<dir>" or null, "statements": [{"sql": "...", "format": "TSV"}, ...]}
// stdout: a JSON array with one {"ok": true, "text": "..."} or {"ok": false, "error": "..."} each.
// A failed statement does not stop the ones after it: the caller decides what a failure means.
"use strict";
const chdb = require("chdb");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const session = request.session ? new chdb.Session(request.session) : null;
  const results = [];
  try {
    for (const statement of request.statements) {
      try {
        const text = session
          ? session.query(statement.sql, statement.format || "TSV")
          : chdb.query(statement.sql, statement.format || "TSV");
        results.push({ ok: true, text: text === undefined || text === null ? "" : String(text) });
      } catch (e) {
        results.push({ ok: false, error: String(e && e.message ? e.message : e) });
      }
    }
  } finally {
    if (session) {
      session.close();
    }
  }
  process.stdout.write(JSON.stringify(results));
});
