#!/usr/bin/env python3
"""The baseline of feedprobe's analysis benchmark: the summary metrics of
`feedprobe analyze` computed with pandas and scipy (Debian's python3-pandas
and python3-scipy) from the same SQLite file.

Per persona and finished session: n, topic shares over the campaign's
taxonomy, Shannon entropy (nats), evenness (entropy / ln K), interest share,
reference-topic share, harmful share (titles matched by the harm lexicon,
folded as feedprobe folds them); per persona: drift (Jensen-Shannon
divergence, log 2, of each session against the first) and the least-squares
slope of the reference share; per role and session: means with percentile
bootstrap intervals over personas; per test persona and session: its
reference share against the mean over controls.

    analyze_pandas.py DB LEXICON.json OUT.json [--resamples N] [--level L]

It reads the impressions in chunks of a million rows (holding all 10
million titles at once would need several GiB), as a careful analyst would.
"""
import argparse
import json
import re
import sqlite3
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
FOLD[0x3000] = 0x20


def fold(s):
    return s.translate(FOLD).lower()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("lexicon")
    ap.add_argument("out")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--level", type=float, default=0.95)
    ap.add_argument("--chunk", type=int, default=1_000_000)
    a = ap.parse_args()
    t0 = time.monotonic()

    with open(a.lexicon, encoding="utf-8") as f:
        lexicon = json.load(f)
    terms = sorted({fold(t) for ts in lexicon.values() for t in ts if t})
    harm_re = re.compile("|".join(re.escape(t) for t in terms))

    con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    camp = pd.read_sql_query("SELECT id, name FROM campaigns ORDER BY created_at DESC, id DESC LIMIT 1", con)
    cid = int(camp.id[0])
    personas = pd.read_sql_query("SELECT id, name, role, spec FROM personas WHERE campaign_id = ?", con, params=(cid,))
    personas["interests"] = personas.spec.map(lambda s: json.loads(s).get("interests") or {})

    counts = []   # per chunk: (persona_id, seq, topic) -> n
    harmful = []  # per chunk: (persona_id, seq) -> harmful n
    q = """SELECT s.persona_id, s.seq, i.topic, i.title FROM impressions i
           JOIN sessions s ON s.id = i.session_id
           WHERE s.campaign_id = ? AND s.status = 'done'"""
    for chunk in pd.read_sql_query(q, con, params=(cid,), chunksize=a.chunk):
        chunk["harm"] = chunk.title.str.translate(FOLD).str.lower().str.contains(harm_re)
        counts.append(chunk.groupby(["persona_id", "seq", "topic"]).size())
        harmful.append(chunk.groupby(["persona_id", "seq"]).harm.sum())
    con.close()
    counts = pd.concat(counts).groupby(level=[0, 1, 2]).sum()
    harmful = pd.concat(harmful).groupby(level=[0, 1]).sum()

    table = counts.unstack("topic", fill_value=0)
    topics = sorted(t for t in table.columns)
    table = table[topics]
    n = table.sum(axis=1)
    shares = table.div(n, axis=0)
    k = len(topics)
    p = shares.to_numpy()
    entropy = stats.entropy(p.T)  # nats, per row
    evenness = entropy / np.log(k) if k > 1 else np.zeros_like(entropy)

    by_id = personas.set_index("id")
    arm_interests = dict(zip(personas.name, personas.interests))
    out_personas = []
    per_row = {}
    for pid, group in shares.groupby(level=0):
        info = by_id.loc[pid]
        interests = info.interests
        # A control without interests is measured on its arm's (the persona
        # it twins, else the one its arm: names), as feedprobe's summary does.
        spec = json.loads(info.spec)
        arm = spec.get("twin_of") or spec.get("arm")
        if not any(w > 0 for w in interests.values()) and arm in arm_interests:
            interests = arm_interests[arm]
        ref = ""
        best = 0.0
        for t, w in interests.items():
            if w > best or (w == best and w > 0 and t < ref):
                ref, best = t, w
        sessions = []
        first = None
        drift = []
        xs, ys = [], []
        for (pid2, seq), row in group.iterrows():
            i = shares.index.get_loc((pid2, seq))
            nn = int(n.iloc[i])
            interest = float(sum(row[t] for t in topics if interests.get(t, 0) > 0))
            top = float(row[ref]) if ref in row.index else 0.0
            harm = float(harmful.loc[(pid2, seq)]) / nn
            vec = row.to_numpy()
            if first is None:
                first = vec
            drift.append(float(distance.jensenshannon(vec, first, base=2) ** 2))
            xs.append(seq)
            ys.append(top)
            s = {"session": int(seq), "n": nn, "entropy": float(entropy[i]), "evenness": float(evenness[i]),
                 "interest_share": interest, "top_interest_share": top, "harmful_share": harm}
            sessions.append(s)
            per_row[(info["name"], int(seq))] = (info.role, ref, row)
        slope = float(stats.linregress(xs, ys).slope) if len(xs) > 1 else 0.0
        out_personas.append({"name": info["name"], "role": info.role, "reference": ref,
                             "top_interest_slope": slope, "drift_jsd": drift, "sessions": sessions})

    rng = np.random.default_rng(1)
    groups = []
    for role in sorted({p["role"] for p in out_personas}):
        members = [p for p in out_personas if p["role"] == role]
        seqs = sorted({s["session"] for p in members for s in p["sessions"]})
        rows = []
        for seq in seqs:
            top = np.array([s["top_interest_share"] for p in members for s in p["sessions"] if s["session"] == seq])
            harm = np.array([s["harmful_share"] for p in members for s in p["sessions"] if s["session"] == seq])
            r = {"session": seq, "personas": int(len(top)),
                 "top_interest_share": float(top.mean()), "harmful_share": float(harm.mean())}
            for name, x in (("top_interest_share", top), ("harmful_share", harm)):
                if len(x) > 1 and np.ptp(x) > 0:
                    ci = stats.bootstrap((x,), np.mean, n_resamples=a.resamples, confidence_level=a.level,
                                         method="percentile", random_state=rng).confidence_interval
                    r[name + "_lo"], r[name + "_hi"] = float(ci.low), float(ci.high)
                else:
                    r[name + "_lo"] = r[name + "_hi"] = float(x.mean()) if len(x) else 0.0
            rows.append(r)
        groups.append({"role": role, "personas": len(members), "sessions": rows})

    comparison = []
    controls = [p for p in out_personas if p["role"] == "control"]
    for p in out_personas:
        if p["role"] != "test" or not p["reference"]:
            continue
        for s in p["sessions"]:
            cs = [per_row[(c["name"], s["session"])][2].get(p["reference"], 0.0)
                  for c in controls if (c["name"], s["session"]) in per_row]
            cm = float(np.mean(cs)) if cs else 0.0
            comparison.append({"persona": p["name"], "topic": p["reference"], "session": s["session"],
                               "persona_share": s["top_interest_share"], "control_share": cm,
                               "controls": len(cs), "difference": s["top_interest_share"] - cm})

    result = {"summary": {"topics": topics, "impressions": int(n.sum()), "personas": out_personas, "groups": groups},
              "comparison": comparison, "seconds": time.monotonic() - t0}
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(result, f)
    print(f"pandas+scipy: {int(n.sum())} impressions, {len(out_personas)} personas in {time.monotonic() - t0:.1f}s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
