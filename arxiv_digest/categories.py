"""arXiv's category taxonomy with Chinese names, for ad-hoc ``-c`` groups and validation.

Users override or extend names with ``[category_names]`` in arxiv-digest.toml.
"""

from __future__ import annotations

import difflib
import re

from arxiv_digest.errors import InputError

CATEGORY_NAMES: dict[str, str] = {
    # archives (a whole archive is a valid feed too)
    "cs": "计算机科学",
    "econ": "经济学",
    "eess": "电子工程与系统科学",
    "math": "数学",
    "physics": "物理学",
    "astro-ph": "天体物理",
    "cond-mat": "凝聚态物理",
    "nlin": "非线性科学",
    "q-bio": "定量生物学",
    "q-fin": "定量金融",
    "stat": "统计学",
    "gr-qc": "广义相对论与量子宇宙学",
    "hep-ex": "高能物理实验",
    "hep-lat": "格点场论",
    "hep-ph": "高能物理唯象",
    "hep-th": "高能物理理论",
    "math-ph": "数学物理",
    "nucl-ex": "核物理实验",
    "nucl-th": "核物理理论",
    "quant-ph": "量子物理",
    # computer science
    "cs.AI": "人工智能",
    "cs.AR": "硬件体系结构",
    "cs.CC": "计算复杂性",
    "cs.CE": "计算工程、金融与科学",
    "cs.CG": "计算几何",
    "cs.CL": "自然语言处理",
    "cs.CR": "密码学与安全",
    "cs.CV": "计算机视觉",
    "cs.CY": "计算机与社会",
    "cs.DB": "数据库",
    "cs.DC": "分布式与并行计算",
    "cs.DL": "数字图书馆",
    "cs.DM": "离散数学",
    "cs.DS": "数据结构与算法",
    "cs.ET": "新兴技术",
    "cs.FL": "形式语言与自动机",
    "cs.GL": "计算机综合文献",
    "cs.GR": "计算机图形学",
    "cs.GT": "计算机博弈论",
    "cs.HC": "人机交互",
    "cs.IR": "信息检索",
    "cs.IT": "信息论",
    "cs.LG": "机器学习",
    "cs.LO": "计算机逻辑",
    "cs.MA": "多智能体系统",
    "cs.MM": "多媒体",
    "cs.MS": "数学软件",
    "cs.NA": "数值分析",
    "cs.NE": "神经与进化计算",
    "cs.NI": "网络与互联网架构",
    "cs.OH": "其他计算机科学",
    "cs.OS": "操作系统",
    "cs.PF": "性能",
    "cs.PL": "编程语言",
    "cs.RO": "机器人",
    "cs.SC": "符号计算",
    "cs.SD": "音频",
    "cs.SE": "软件工程",
    "cs.SI": "社会与信息网络",
    "cs.SY": "系统与控制",
    # economics
    "econ.EM": "计量经济学",
    "econ.GN": "一般经济学",
    "econ.TH": "理论经济学",
    # electrical engineering and systems science
    "eess.AS": "音频与语音处理",
    "eess.IV": "图像与视频处理",
    "eess.SP": "信号处理",
    "eess.SY": "系统与控制",
    # mathematics
    "math.AC": "交换代数",
    "math.AG": "代数几何",
    "math.AP": "偏微分方程分析",
    "math.AT": "代数拓扑",
    "math.CA": "经典分析与常微分方程",
    "math.CO": "组合数学",
    "math.CT": "范畴论",
    "math.CV": "复变函数",
    "math.DG": "微分几何",
    "math.DS": "动力系统",
    "math.FA": "泛函分析",
    "math.GM": "一般数学",
    "math.GN": "一般拓扑",
    "math.GR": "群论",
    "math.GT": "几何拓扑",
    "math.HO": "数学史与数学概论",
    "math.IT": "信息论",
    "math.KT": "K理论与同调",
    "math.LO": "数理逻辑",
    "math.MG": "度量几何",
    "math.MP": "数学物理",
    "math.NA": "数值分析",
    "math.NT": "数论",
    "math.OA": "算子代数",
    "math.OC": "优化与控制",
    "math.PR": "概率论",
    "math.QA": "量子代数",
    "math.RA": "环与代数",
    "math.RT": "表示论",
    "math.SG": "辛几何",
    "math.SP": "谱理论",
    "math.ST": "统计理论",
    # astrophysics
    "astro-ph.CO": "宇宙学与河外天文",
    "astro-ph.EP": "地球与行星天体物理",
    "astro-ph.GA": "星系天体物理",
    "astro-ph.HE": "高能天体物理",
    "astro-ph.IM": "天体物理仪器与方法",
    "astro-ph.SR": "太阳与恒星天体物理",
    # condensed matter
    "cond-mat.dis-nn": "无序系统与神经网络",
    "cond-mat.mes-hall": "介观与纳米尺度物理",
    "cond-mat.mtrl-sci": "材料科学",
    "cond-mat.other": "其他凝聚态物理",
    "cond-mat.quant-gas": "量子气体",
    "cond-mat.soft": "软凝聚态物理",
    "cond-mat.stat-mech": "统计力学",
    "cond-mat.str-el": "强关联电子",
    "cond-mat.supr-con": "超导",
    # nonlinear sciences
    "nlin.AO": "适应与自组织系统",
    "nlin.CD": "混沌动力学",
    "nlin.CG": "元胞自动机与格气",
    "nlin.PS": "模式形成与孤子",
    "nlin.SI": "精确可解与可积系统",
    # physics
    "physics.acc-ph": "加速器物理",
    "physics.ao-ph": "大气与海洋物理",
    "physics.app-ph": "应用物理",
    "physics.atm-clus": "原子与分子团簇",
    "physics.atom-ph": "原子物理",
    "physics.bio-ph": "生物物理",
    "physics.chem-ph": "化学物理",
    "physics.class-ph": "经典物理",
    "physics.comp-ph": "计算物理",
    "physics.data-an": "数据分析、统计与概率",
    "physics.ed-ph": "物理教育",
    "physics.flu-dyn": "流体动力学",
    "physics.gen-ph": "一般物理",
    "physics.geo-ph": "地球物理",
    "physics.hist-ph": "物理史与物理哲学",
    "physics.ins-det": "仪器与探测器",
    "physics.med-ph": "医学物理",
    "physics.optics": "光学",
    "physics.plasm-ph": "等离子体物理",
    "physics.pop-ph": "大众物理",
    "physics.soc-ph": "物理与社会",
    "physics.space-ph": "空间物理",
    # quantitative biology
    "q-bio.BM": "生物分子",
    "q-bio.CB": "细胞行为",
    "q-bio.GN": "基因组学",
    "q-bio.MN": "分子网络",
    "q-bio.NC": "神经元与认知",
    "q-bio.OT": "其他定量生物学",
    "q-bio.PE": "种群与进化",
    "q-bio.QM": "定量方法",
    "q-bio.SC": "亚细胞过程",
    "q-bio.TO": "组织与器官",
    # quantitative finance
    "q-fin.CP": "计算金融",
    "q-fin.EC": "金融经济学",
    "q-fin.GN": "一般金融",
    "q-fin.MF": "数理金融",
    "q-fin.PM": "投资组合管理",
    "q-fin.PR": "证券定价",
    "q-fin.RM": "风险管理",
    "q-fin.ST": "金融统计",
    "q-fin.TR": "交易与市场微观结构",
    # statistics
    "stat.AP": "应用统计",
    "stat.CO": "统计计算",
    "stat.ME": "统计方法",
    "stat.ML": "统计机器学习",
    "stat.OT": "其他统计",
    "stat.TH": "统计理论",
}


def validate_categories(categories: list[str], known: dict[str, str] | None = None) -> None:
    """InputError for a category arXiv doesn't have (a typo would give an empty feed forever)."""
    names = known if known is not None else CATEGORY_NAMES
    unknown = [c for c in categories if c not in names]
    if unknown:
        hints = [hint for c in unknown if (hint := _suggest(c, names))]
        hint = f" ({'; '.join(hints)})" if hints else ""
        raise InputError(
            f"unknown arXiv category {', '.join(unknown)}{hint}; "
            "`arxiv-digest categories` lists them all"
        )


def _suggest(category: str, names: dict[str, str]) -> str:
    """What the user probably meant: a list typed as one (cs.SD,eess.AS), another case
    (CS.sd), or a near spelling (cs.SDD)."""
    parts = [p for p in re.split(r"[\s,，;；、+]+", category) if p]
    if len(parts) > 1 and all(p in names or p.lower() in _by_case(names) for p in parts):
        fixed = [p if p in names else _by_case(names)[p.lower()] for p in parts]
        listed = ", ".join(f'"{p}"' for p in fixed)
        return f"one category each: {' '.join(f'-c {p}' for p in fixed)}, or [{listed}] in the TOML"
    if category.lower() in _by_case(names):
        return f"did you mean {_by_case(names)[category.lower()]}?"
    close = difflib.get_close_matches(category, list(names), n=2, cutoff=0.75)
    return f"did you mean {' or '.join(close)}?" if close else ""


def _by_case(names: dict[str, str]) -> dict[str, str]:
    return {code.lower(): code for code in names}


def matching(prefix: str, names: dict[str, str] | None = None) -> dict[str, str]:
    """Categories whose code starts with ``prefix``, in either case."""
    table = names if names is not None else CATEGORY_NAMES
    return {code: name for code, name in table.items() if code.lower().startswith(prefix.lower())}


def group_title(categories: list[str], names: dict[str, str] | None = None) -> str:
    """Chinese header name for an ad-hoc group: distinct names joined by '、'."""
    table = names if names is not None else CATEGORY_NAMES
    titles = list(dict.fromkeys(table.get(c, c) for c in categories))
    return "、".join(titles)
