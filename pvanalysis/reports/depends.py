"""What each report reads, as digests of rows: a report is redone only when they change.

The rules, written once (keep them in step with the notebooks):

- **territory sheet** (region, province, commune): every row of the programme tables
  (:data:`PROGRAMME`) of the projects that touch the territory — by their own codes or a
  target in one of its communes; the rows of :data:`CONTEXT` of the projects of its parent
  (the nation for a region, the region for a province, the province for a commune), which
  give the per-inhabitant comparison; the partners, quartiers and centres (populations of
  the targets); the quarantine and the row counts of the sources (quality summary); the
  territorial reference files; the data cut-off and the list of absent sources.
- **convention dashboard**: every programme row of its project; the partners; the
  territorial reference files; the cut-off and the absent sources.
- **quality report**: the row count of each table, the quarantine, the row counts of the
  sources, the territorial reference files, the cut-off and the absent sources — not the
  values of the programme rows.
- **bilan, exploration** (and any other kind): all the data of the version.

A digest is the sum (modulo 2⁶⁴) of pandas' row hashes (``hash_pandas_object``) and the
row count: it follows the rows' content, not the files, so a rebuild that writes the same
rows again changes nothing. Per-project sums are computed once per batch
(:class:`DataIndex`); a report's digests are then sums over its projects.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from .. import store

#: Programme tables and the column that leads to the project (directly or via conventions).
PROGRAMME = {"projects": "project_id", "project_targets": "project_id",
             "actions": "project_id", "conventions": "project_id",
             "commitments": "convention_id", "schedule": "convention_id",
             "disbursements": "convention_id"}
#: Tables of the parent's projects that the per-inhabitant comparison reads.
CONTEXT = ("projects", "project_targets", "conventions", "commitments")
#: Tables read whole by territory sheets.
SHARED = ("partners", "quartiers", "centres", "quarantine")
#: French names of what a report reads (for the log line saying why it ran).
LABELS = {"projects": "projets", "project_targets": "cibles", "actions": "actions",
          "conventions": "conventions", "commitments": "engagements",
          "schedule": "échéancier", "disbursements": "déblocages", "partners": "partenaires",
          "quartiers": "quartiers", "centres": "centres", "quarantine": "quarantaine",
          "sources": "lignes des sources", "reference": "référentiel territorial",
          "context": "projets du territoire parent", "data": "données nationales",
          "cutoff": "date d'arrêt ou sources absentes", "counts": "nombre de lignes des tables"}

_MASK = (1 << 64) - 1


def _digest(total: int, count: int) -> str:
    return f"{total & _MASK:016x}{count:08x}"


def _row_hashes(frame):
    import pandas as pd

    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


class DataIndex:
    """Per-project row digests of one data version, and the projects of each territory.

    Parameters
    ----------
    version : store.Version
        The version the batch reads.
    """

    def __init__(self, version: store.Version):
        import pandas as pd

        self.version = version
        tables = {name: version.read(name, geometry=False) for name in
                  [*PROGRAMME, *SHARED] if version.has(name)}
        conv = tables.get("conventions", pd.DataFrame(columns=["convention_id", "project_id"]))
        to_project = conv.drop_duplicates("convention_id").set_index("convention_id")[
            "project_id"]
        self.per_project: dict[str, pd.DataFrame] = {}
        for name, key in PROGRAMME.items():
            frame = tables.get(name)
            if frame is None:
                continue
            ids = frame[key] if key == "project_id" else frame[key].map(to_project)
            hashes = pd.DataFrame({"project_id": ids.astype(object).fillna("").to_numpy(),
                                   "h": _row_hashes(frame), "n": 1})
            self.per_project[name] = hashes.groupby("project_id").agg(h=("h", "sum"),
                                                                      n=("n", "sum"))
        self.counts = _sha({name: len(frame) for name, frame in tables.items()})
        self.whole = {name: _digest(int(_row_hashes(tables[name]).sum(dtype="uint64")),
                                    len(tables[name])) for name in SHARED if name in tables}
        manifest = version.manifest
        sources = [{k: v for k, v in s.items() if k != "sha256"}
                   for s in manifest.get("sources", [])]
        self.whole["sources"] = _sha(sources)
        # every page opens with the cut-off and says which sources are absent: national facts
        self.whole["cutoff"] = _sha({"cutoff_date": manifest.get("cutoff_date"),
                                     "absent": sorted(manifest.get("absent") or [])})
        files = manifest.get("files", {})
        self.whole["reference"] = _sha({k: v for k, v in files.items()
                                        if k.removesuffix(".parquet") not in [*PROGRAMME,
                                                                              *SHARED]})
        self.data = version.data_sha256
        self.long = self._territory_projects(tables)
        self.codes = self.long.groupby("code")["project_id"].agg(set).to_dict()
        self._by_code: dict = {}
        self.conventions = conv[["convention_id", "project_id"]].astype(str)
        projects = tables.get("projects")
        self.project_region = ({} if projects is None or "region_code" not in projects
                               else dict(zip(
            projects["project_id"].astype(str), projects["region_code"].astype(str),
            strict=True)))
        self.known = {level: set(version.read(layer, ["code"])["code"].astype(str))
                      for level, layer in (("region", "regions"), ("province", "provinces"),
                                           ("commune", "communes")) if version.has(layer)}

    @staticmethod
    def _territory_projects(tables):
        """``(project_id, code)`` pairs: the territories each project touches (own codes or
        targets), every level."""
        import pandas as pd

        parts = []
        if "projects" in tables:
            p = tables["projects"]
            for col in ("region_code", "province_code", "commune_code"):
                if col in p:
                    parts.append(pd.DataFrame({"project_id": p["project_id"], "code": p[col]}))
        if "project_targets" in tables:
            t = tables["project_targets"]
            commune = t["commune_code"].astype("string")
            for code in (commune, commune.str.slice(0, 6), commune.str.slice(0, 2)):
                parts.append(pd.DataFrame({"project_id": t["project_id"], "code": code}))
        if not parts:
            return pd.DataFrame({"project_id": [], "code": []}, dtype=str)
        return pd.concat(parts, ignore_index=True).dropna().astype(str).drop_duplicates()

    def projects_of(self, code: str | None) -> set | None:
        """Projects touching a territory; None for the nation (every project)."""
        return None if code is None else self.codes.get(str(code), set())

    def _sum(self, name: str, code: str | None) -> str:
        """Digest of one table's rows for the projects of a territory (None: all rows)."""
        table = self.per_project.get(name)
        if table is None:
            return "absent"
        if code is None:
            return _digest(int(table["h"].sum()), int(table["n"].sum()))
        if name not in self._by_code:  # every territory at once, on first use
            rows = self.long.merge(table, left_on="project_id", right_index=True)
            self._by_code[name] = rows.groupby("code")[["h", "n"]].sum()
        by_code = self._by_code[name]
        if code not in by_code.index:
            return _digest(0, 0)
        return _digest(int(by_code.at[code, "h"]), int(by_code.at[code, "n"]))

    def inputs(self, kind: str, params: Mapping) -> dict[str, str]:
        """What a report reads: name (:data:`LABELS`) → digest."""
        if kind == "territoire" and params.get("level") in ("region", "province", "commune"):
            code = str(params.get("code", ""))  # a name, or an unknown code, reads everything
            if code not in self.known.get(params["level"], ()):
                return {"data": self.data}
            parent = {"region": None, "province": code[:2], "commune": code[:6]}[
                params["level"]]
            # a préfecture d'arrondissements reads as its whole province (the projects of
            # its arrondissements are not told apart here)
            scope = code[:6] if params["level"] == "province" else code
            out = {name: self._sum(name, scope) for name in PROGRAMME}
            out["context"] = _sha([self._sum(name, parent) for name in CONTEXT])
            out.update(self.whole)
            return out
        if kind == "qualite":
            return {"counts": self.counts} | {k: self.whole[k] for k in
                                              ("quarantine", "sources", "reference", "cutoff")
                                              if k in self.whole}
        if kind == "convention":
            project = self._project_of_convention(str(params.get("convention_id", "")))
            if project is None:
                return {"data": self.data}
            out = {name: self._project_sum(name, project) for name in PROGRAMME}
            out.update({k: self.whole[k] for k in ("partners", "reference", "cutoff")
                        if k in self.whole})
            return out
        return {"data": self.data}

    def _project_sum(self, name: str, project: str) -> str:
        table = self.per_project.get(name)
        if table is None:
            return "absent"
        if project not in table.index:
            return _digest(0, 0)
        return _digest(int(table.at[project, "h"]), int(table.at[project, "n"]))

    def _project_of_convention(self, asked: str) -> str | None:
        conv = self.conventions
        hit = conv.loc[conv["convention_id"] == asked, "project_id"]
        if hit.empty:
            hit = conv.loc[conv["project_id"] == asked, "project_id"]
        return None if hit.empty else str(hit.iloc[0])

    def region_of(self, kind: str, params: Mapping) -> str:
        """Region code a report belongs to (a convention: its project's region), or
        ``"national"`` for the national reports."""
        if kind == "territoire" and params.get("code"):
            return str(params["code"])[:2]
        if kind == "convention":
            project = self._project_of_convention(str(params.get("convention_id", "")))
            return self.project_region.get(project, "national") if project else "national"
        return "national"

    def project_count(self, code: str) -> int:
        """Number of projects touching a territory (0: the sheet would say there is none)."""
        return len(self.codes.get(str(code), ()))


def _sha(content) -> str:
    text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def changed(old: Mapping | None, new: Mapping) -> list[str]:
    """French names of what changed between two ``inputs`` records."""
    old = dict(old or {})
    names = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return [LABELS.get(k, k) for k in names]
