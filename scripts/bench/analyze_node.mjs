// analyze_node.mjs: the DuckDB and polars baselines of feedprobe's analysis
// benchmark. From the Parquet files `feedprobe export --format parquet`
// writes, it computes the per-persona/session summary of `feedprobe analyze`:
// n, topic shares over the taxonomy (the topics seen), Shannon entropy
// (nats), evenness (entropy / ln K), interest share, reference-topic share,
// harmful share (titles matched by the harm lexicon, folded as feedprobe
// folds them: fullwidth ASCII to ASCII, ideographic space to space, lower
// case), and drift (Jensen-Shannon divergence, log 2, of each session's
// topic shares against the first session's).
//
//	node analyze_node.mjs duckdb|polars PARQUET_DIR LEXICON.json OUT.json
//
// The engine does the scan, the join with the campaign's done sessions, the
// harm match and the group-by (persona, session, topic); this
// script then does the arithmetic over the 20,000 x 12 counts, the same code
// for both engines. Install with `npm ci` in scripts/bench (run.sh does).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [engine, dir, lexPath, out] = process.argv.slice(2);
if (!engine || !dir || !lexPath || !out) {
	console.error("usage: node analyze_node.mjs duckdb|polars PARQUET_DIR LEXICON.json OUT.json");
	process.exit(2);
}
const t0 = performance.now();

// fold mirrors feedprobe's harm-lexicon folding.
function fold(s) {
	let r = "";
	for (const ch of s) {
		const c = ch.codePointAt(0);
		if (c >= 0xff01 && c <= 0xff5e) r += String.fromCodePoint(c - 0xfee0);
		else if (c === 0x3000) r += " ";
		else r += ch;
	}
	return r.toLowerCase();
}
const lexicon = JSON.parse(fs.readFileSync(lexPath, "utf8"));
const terms = [...new Set(Object.values(lexicon).flat().filter(Boolean).map(fold))].sort();
const reEscape = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// Both engines match the harm terms with case-insensitive regular
// expressions; in foldRe each ASCII character of a term also matches its
// fullwidth form, which is what folding the title first amounts to (polars
// has no translate, and DuckDB's translate over 10M titles costs more than
// the rest of its query).
const cls = (ch) => {
	const c = ch.codePointAt(0);
	const e = reEscape(ch);
	if (c >= 0x21 && c <= 0x7e) return `[${e === ch ? ch : e}${String.fromCodePoint(c + 0xfee0)}]`;
	if (ch === " ") return "[ \u3000]";
	return e;
};
const foldRe = "(?i)(?:" + terms.map((t) => [...t].map(cls).join("")).join("|") + ")";
// plainRe is the terms alone; wideRe finds the titles that have a
// character folding changes. A title is harmful when plainRe matches it
// case-insensitively, or when it has such a character and foldRe matches:
// the rare wide titles alone pay for the character classes.
const plainRe = terms.map(reEscape).join("|");
const wideRe = "[\uff01-\uff5e\u3000]"; // JS turns the escapes into the characters: RE2 knows no \u
const file = (t) => path.join(dir, t + ".parquet");

// counts: rows of {persona_id, seq, topic, n, harm}; personas: {id, name, spec}.
async function viaDuckDB() {
	const { DuckDBInstance } = await import("@duckdb/node-api");
	const db = await DuckDBInstance.create(":memory:");
	const con = await db.connect();
	const q = (sql) => con.runAndReadAll(sql).then((r) => r.getRowObjects());
	const lit = (s) => "'" + s.replace(/'/g, "''") + "'";
	const [{ id: cid }] = await q(`SELECT id FROM read_parquet(${lit(file("campaigns"))}) ORDER BY created_at DESC, id DESC LIMIT 1`);
	const personas = await q(`SELECT id, name, spec FROM read_parquet(${lit(file("personas"))}) WHERE campaign_id = ${cid}`);
	const counts = await q(`
		WITH s AS (SELECT id, persona_id, seq FROM read_parquet(${lit(file("sessions"))})
		           WHERE campaign_id = ${cid} AND status = 'done')
		SELECT s.persona_id, s.seq, i.topic, count(*) AS n,
		       sum(CASE WHEN regexp_matches(i.title, ${lit(plainRe)}, 'i') THEN 1
		                WHEN strlen(i.title) = length(i.title) THEN 0 -- ASCII: folding changes nothing
		                WHEN regexp_matches(i.title, ${lit(foldRe)}) THEN 1 ELSE 0 END) AS harm
		FROM read_parquet(${lit(file("impressions"))}) i JOIN s ON s.id = i.session_id
		GROUP BY s.persona_id, s.seq, i.topic`);
	return { personas, counts };
}

async function viaPolars() {
	const pl = require("nodejs-polars");
	const camp = pl.readParquet(file("campaigns")).sort(["created_at", "id"], true).head(1);
	const cid = camp.getColumn("id").get(0);
	const personas = pl.readParquet(file("personas")).filter(pl.col("campaign_id").eq(pl.lit(cid))).select("id", "name", "spec").toRecords();
	const sessions = pl.scanParquet(file("sessions"))
		.filter(pl.col("campaign_id").eq(pl.lit(cid)).and(pl.col("status").eq(pl.lit("done"))))
		.select("id", "persona_id", "seq");
	const counts = pl.scanParquet(file("impressions"))
		.select("session_id", "topic", "title")
		.join(sessions, { leftOn: "session_id", rightOn: "id" })
		.groupBy(["persona_id", "seq", "topic"])
		.agg(pl.len().alias("n"), pl.col("title").str.contains("(?i)" + plainRe).or(pl.col("title").str.contains(wideRe).and(pl.col("title").str.contains(foldRe))).cast(pl.Int64).sum().alias("harm"))
		.collectSync()
		.toRecords();
	return { personas, counts };
}

const { personas, counts } = engine === "duckdb" ? await viaDuckDB() : engine === "polars" ? await viaPolars() : (() => { throw new Error(`engine ${engine}: want duckdb or polars`); })();
const tQuery = performance.now();

const topics = [...new Set(counts.map((r) => String(r.topic)))].sort();
const ti = new Map(topics.map((t, i) => [t, i]));
const K = topics.length;
const rows = new Map(); // persona id -> seq -> {c: counts, harm}
for (const r of counts) {
	const pid = Number(r.persona_id), seq = Number(r.seq);
	if (!rows.has(pid)) rows.set(pid, new Map());
	const ps = rows.get(pid);
	if (!ps.has(seq)) ps.set(seq, { c: new Float64Array(K), harm: 0 });
	const e = ps.get(seq);
	e.c[ti.get(String(r.topic))] += Number(r.n);
	e.harm += Number(r.harm);
}
const kl2 = (p, m) => { let s = 0; for (let i = 0; i < p.length; i++) if (p[i] > 0) s += p[i] * Math.log2(p[i] / m[i]); return s; };
let impressions = 0;
const outPersonas = [];
const specByName = new Map([...personas].map((p) => [String(p.name), JSON.parse(String(p.spec))]));
for (const p of [...personas].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
	const ps = rows.get(Number(p.id));
	if (!ps) continue;
	// A control without interests is measured on its arm's (the persona it
	// twins, else the one its arm: names), as feedprobe's summary does.
	const spec = JSON.parse(String(p.spec));
	let interests = spec.interests || {};
	const arm = spec.twin_of || spec.arm;
	if (!Object.values(interests).some((w) => w > 0) && arm && specByName.has(arm)) interests = specByName.get(arm).interests || {};
	let ref = "", best = 0;
	for (const [t, w] of Object.entries(interests)) if (w > best || (w === best && w > 0 && t < ref)) { ref = t; best = w; }
	const sessions = [], drift = [];
	let first = null;
	for (const seq of [...ps.keys()].sort((a, b) => a - b)) {
		const { c, harm } = ps.get(seq);
		let n = 0;
		for (const x of c) n += x;
		impressions += n;
		const sh = c.map((x) => x / n);
		let h = 0;
		for (const x of sh) if (x > 0) h -= x * Math.log(x);
		let interest = 0;
		topics.forEach((t, i) => { if ((interests[t] || 0) > 0) interest += sh[i]; });
		const top = ti.has(ref) ? sh[ti.get(ref)] : 0;
		if (first === null) first = sh;
		const m = sh.map((x, i) => (x + first[i]) / 2);
		drift.push(Math.max(0, (kl2(sh, m) + kl2(first, m)) / 2));
		sessions.push({ session: seq, n, entropy: h, evenness: K > 1 ? h / Math.log(K) : 0, interest_share: interest, top_interest_share: top, harmful_share: harm / n });
	}
	outPersonas.push({ name: String(p.name), reference: ref, drift_jsd: drift, sessions });
}
fs.writeFileSync(out, JSON.stringify({ summary: { topics, impressions, personas: outPersonas }, engine, query_seconds: (tQuery - t0) / 1000, seconds: (performance.now() - t0) / 1000 }));
console.error(`${engine}: ${impressions} impressions, ${outPersonas.length} personas in ${((performance.now() - t0) / 1000).toFixed(1)}s (engine ${((tQuery - t0) / 1000).toFixed(1)}s)`);
