#!/usr/bin/env python3
"""A large synthetic roster for benches/import.sh: N people of 月塘街道 (430202001) with valid ID
numbers (text), birth dates spread over 1930–2020, real village names, categories that fit the
age. Usage: python3 benches/make_roster.py 100000 roster.xlsx   (needs openpyxl)"""
import datetime
import random
import sys

import openpyxl

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "秀英桂兰建国明华军平玉梅志强文丽红霞海燕德胜春林小龙伟芳敏静杰涛勇艳娟超磊洋刚辉鹏飞宇婷雪琴云峰"
VILLAGES = ["文化路社区", "东湖社区", "合泰社区", "学院社区", "石塘冲社区", "石子头社区", "水竹社区", "野鸭冲社区", "袁家湾社区", "东环社区", "荷塘铺村"]


def id_number(birth, seq):
    first = f"430202{birth:%Y%m%d}{seq:03d}"
    s = sum(int(d) * w for d, w in zip(first, WEIGHTS))
    return first + "10X98765432"[s % 11]


def main(n, path):
    rnd = random.Random(1)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["株洲市荷塘区月塘街道困难群众花名册"])
    ws.append(["序号", "姓名", "公民身份号码", "性别", "民族", "出生日期", "联系电话", "住址", "村(社区)", "救助类别", "残疾等级"])
    start = datetime.date(1930, 1, 1)
    days = (datetime.date(2020, 12, 31) - start).days
    for i in range(n):
        day = (i * 7919) % days
        birth = start + datetime.timedelta(days=day)
        # (day, seq) is unique for every i; the parity (gender) is random.
        seq = (i // days) * 2 + 1 + (rnd.random() < 0.5)
        today = datetime.date.today()
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        if age >= 80:
            cat, grade = "特困人员、高龄老人", ""
        elif age >= 60:
            cat, grade = rnd.choice([("低保、空巢老人", ""), ("空巢老人", ""), ("残疾人", "三级")])
        elif age < 16:
            cat, grade = rnd.choice([("留守儿童", ""), ("困境儿童", ""), ("低保", "")])
        else:
            cat, grade = rnd.choice([("低保", ""), ("低保边缘", ""), ("残疾人", "二级"), ("临时救助", "")])
        name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice([1, 2])))
        phone = f"138{rnd.randrange(10**8):08d}" if rnd.random() < 0.6 else ""
        ws.append([i + 1, name, id_number(birth, seq), "男" if seq % 2 else "女", "汉族", birth.isoformat(),
                   phone, f"月塘街道{rnd.randrange(1, 300)}号", rnd.choice(VILLAGES), cat, grade])
    wb.save(path)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
