#!/usr/bin/env python3
"""Writes the sample rosters of examples/ (synthetic people, valid ID check digits):

  roster-yuetang.xlsx     月塘街道 (430202001): merged title row, header on row 3, ID numbers
                          stored as numbers (whole digits, as export programs write them) and as
                          text with full-width digits, stray spaces, a blank row, dates as dates.
  roster-chiguotang.xls   茨菇塘街道 (430202002), old .xls format (xlwt): title row, header on row 2.
  roster-households.xlsx  月塘街道 低保 roster by household, as civil-affairs systems export it:
                          户编号, 户主姓名, 户主身份证号, 成员姓名, 成员身份证号码, 与户主关系,
                          家庭人口; a head listed after a member, a household listing fewer
                          members than its 家庭人口, a head alone with 与户主关系 "本人".
  roster-bad-rows.xlsx    月塘街道: a problem in every row but one (lost digits, check digit,
                          1990/2/30, unknown village, emoji, markup, …); a file with bad
                          rows imports nothing.

Run: pip install openpyxl xlwt && python3 examples/make_rosters.py
The people are invented; any likeness to a real person is chance.
"""
import datetime
import os
import re
import zipfile

import openpyxl
import xlwt
from openpyxl.styles import Alignment, Font

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(birth, seq, area="430202"):
    first = f"{area}{birth}{seq:03d}"
    s = sum(int(d) * w for d, w in zip(first, WEIGHTS))
    return first + "10X98765432"[s % 11]


def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" or c == "X" else c for c in s)


def date_of(birth):
    return datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))


HEADER = ["序号", "姓 名", "公民身份号码", "性别", "民族", "出生日期", "联系电话", "家庭住址", "村（社区）", "救助类别", "残疾等级", "备注"]

# name, birth, seq (odd = male), ethnicity, phone, address, village, category, grade, how the ID is stored
YUETANG = [
    ("张秋生", "19430312", 15, "汉族", 13807331234, "文化路 12 号", "文化路社区", "特困人员、高龄老人", "", "number"),
    ("  李 桂英 ", "19520708", 22, "汉族", None, "东湖路 3 栋 201", "东湖社区", "低保、空巢老人", "", "fullwidth"),
    ("王建国", "19681101", 31, "汉族", "138 0733 5678", "合泰路 8 号", "合泰社区居委会", "低保、残疾人", "二级", "text"),
    ("欧阳𠮷祥", "19491231", 27, "土家族", None, "学院路 1 号", "学院社区", "空巢老人", "", "number"),
    (None, None, None, None, None, None, None, None, None, None),  # a blank row
    ("刘小红", "20150406", 42, "汉", "", "荷塘铺村 5 组", "荷塘铺村", "留守儿童", "", "text"),
    ("陈 明", "19750920", 53, "苗族", 13974125896, "石塘冲 22 号", "石塘冲社区", "残疾人", "肢体三级", "number"),
    ("赵㛃", "19880214", 64, "汉族", "", "", "文化路社区", "临时救助", "", "fullwidth"),
    ("孙德胜", "19580101", 71, "汉族", 13607330001, "东湖路 9 号", "东湖社区", "低保边缘", "", "number"),
]


def write_yuetang(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.merge_cells("A1:L1")
    ws["A1"] = "株洲市荷塘区月塘街道困难群众花名册"
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A2:L2")
    ws["A2"] = "填报单位:月塘街道社工站            填报日期:2026年11月20日"
    ws.append(HEADER)
    exact = {}
    n = 0
    for p in YUETANG:
        if p[0] is None:
            ws.append([])
            continue
        n += 1
        name, birth, seq, eth, phone, addr, village, cat, grade, how = p
        idn = id_number(birth, seq)
        if how == "number" and idn[-1] != "X":
            # A number cell. openpyxl would write it as a float; export programs write every
            # digit (<v>430202…</v>), which is put back below.
            idv = int(idn)
            exact[f"C{ws.max_row + 1}"] = idn
        elif how == "number":
            idv = idn
        elif how == "fullwidth":
            idv = fullwidth(idn)
        else:
            idv = " " + idn + " "
        gender = "男" if seq % 2 else "女"
        ws.append([n, name, idv, gender, eth, date_of(birth), phone, addr, village, cat, grade, ""])
        ws.cell(row=ws.max_row, column=6).number_format = "yyyy-mm-dd"
    ws.column_dimensions["C"].width = 22
    wb.save(path)
    write_exact_digits(path, exact)


def write_exact_digits(path, cells):
    """Rewrites number cells with their exact digits, as roster export programs store them."""
    with zipfile.ZipFile(path) as z:
        parts = {i: z.read(i.filename) for i in z.infolist()}
    name = next(i for i in parts if i.filename == "xl/worksheets/sheet1.xml")
    xml = parts[name].decode("utf-8")
    for ref, digits in cells.items():
        xml, n = re.subn(rf'(<c r="{ref}"[^>]*><v>)[^<]*(</v>)', rf"\g<1>{digits}\g<2>", xml)
        assert n == 1, ref
    parts[name] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.items():
            z.writestr(info, data)


CHIGUOTANG = [
    ("周桂花", "19400505", 26, "汉族", "上月塘社区", "特困人员、高龄老人"),
    ("吴建军", "19700808", 11, "汉族", "新月塘社区", "低保"),
    ("郑小龙", "20120301", 37, "侗族", "长征社区", "困境儿童"),
    ("冯秀英", "19550615", 48, "汉族", "前进社区", "空巢老人"),
]


def write_chiguotang(path):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    title = xlwt.easyxf("font: bold on, height 320; align: horiz center")
    ws.write_merge(0, 0, 0, 6, "荷塘区茨菇塘街道救助对象名册", title)
    header = ["序号", "姓名", "身份证号", "性别", "出生年月", "所属村(社区)", "保障类别"]
    for c, h in enumerate(header):
        ws.write(1, c, h)
    datefmt = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for i, (name, birth, seq, eth, village, cat) in enumerate(CHIGUOTANG):
        r = 2 + i
        ws.write(r, 0, i + 1)
        ws.write(r, 1, name)
        ws.write(r, 2, id_number(birth, seq))
        ws.write(r, 3, "男" if seq % 2 else "女")
        if i % 2:
            ws.write(r, 4, f"{birth[:4]}/{int(birth[4:6])}/{int(birth[6:])}")
        else:
            ws.write(r, 4, date_of(birth), datefmt)
        ws.write(r, 5, village)
        ws.write(r, 6, cat)
    wb.save(path)


# household number, name, birth, seq (odd = male), relation, household size, village
HOUSEHOLDS = [
    ("HT2026001", "黄德明", "19560417", 13, "户主", 3, "文化路社区"),
    ("HT2026001", "刘桂英", "19580923", 24, "配偶", 3, "文化路社区"),
    ("HT2026001", "黄雨涵", "20160602", 36, "孙子女", 3, "文化路社区"),
    ("HT2026002", "谭建华", "19720305", 51, "户主", 4, "东湖社区"),
    ("HT2026002", "谭小军", "20080716", 33, "子女", 4, "东湖社区"),
    ("HT2026003", "曾秀兰", "19481120", 62, "本人", 1, "合泰社区"),
    ("HT2026004", "彭志强", "19990208", 75, "子女", 2, "学院社区"),
    ("HT2026004", "彭春生", "19690811", 57, "户主", 2, "学院社区"),
]


def write_households(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "低保家庭成员"
    ws.merge_cells("A1:K1")
    ws["A1"] = "月塘街道城乡低保家庭成员花名册"
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["序号", "户编号", "户主姓名", "户主身份证号", "成员姓名", "成员身份证号码", "性别",
               "与户主关系", "家庭人口", "村(社区)", "保障类别"])
    heads = {h[0]: h for h in HOUSEHOLDS if h[4] in ("户主", "本人")}
    for i, (no, name, birth, seq, rel, size, village) in enumerate(HOUSEHOLDS):
        head = heads[no]
        ws.append([i + 1, no, head[1], id_number(head[2], head[3]), name, id_number(birth, seq),
                   "男" if seq % 2 else "女", rel, size, village, "低保"])
    ws.column_dimensions["D"].width = 22
    ws.column_dimensions["F"].width = 22
    wb.save(path)


def write_bad(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.merge_cells("A1:H1")
    ws["A1"] = "月塘街道困难群众花名册(含错误行的示例)"
    ws.append(["序号", "姓名", "身份证号码", "性别", "出生日期", "村(社区)", "救助类别", "联系电话"])
    good = id_number("19600101", 17)
    rows = [
        # Excel saved the ID as a number: 15 significant digits, the rest lost.
        ["钱一", float(id_number("19500315", 23)), "女", None, "文化路社区", "低保", None],
        ["孙二", id_number("19700101", 11)[:-1] + "0", "男", None, "东湖社区", "", None],
        ["李三", "", "男", "1990/2/30", "合泰社区", "", None],
        ["周四", "", "男", "1980-01-01", "火星村", "留守儿童", None],
        ["吴五😀", "", "女", "1975-05-05", "文化路社区", "", None],
        ["<script>alert(1)</script>", "", "", "", "文化路社区", "", None],
        ["郑六", good, "男", None, "学院社区", "", None],
        ["王七", "4.30202E+17", "男", None, "文化路社区", "", None],
        ["冯八", "", "女", "1966-06-06", "东湖社区", "富人", "12345"],
        ["陈九", "#N/A", "男", None, "文化路社区", "", None],
        ["郑六", good, "男", None, "学院社区", "", None],
    ]
    for i, r in enumerate(rows):
        ws.append([i + 1] + r)
    wb.save(path)


if __name__ == "__main__":
    write_yuetang(os.path.join(HERE, "roster-yuetang.xlsx"))
    write_chiguotang(os.path.join(HERE, "roster-chiguotang.xls"))
    write_bad(os.path.join(HERE, "roster-bad-rows.xlsx"))
    write_households(os.path.join(HERE, "roster-households.xlsx"))
    print("wrote roster-yuetang.xlsx, roster-chiguotang.xls, roster-bad-rows.xlsx, roster-households.xlsx")
