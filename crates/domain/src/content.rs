//! The service-content taxonomy of section 8: every service record, group session and
//! activity names the item(s) of the standard it delivers, so reports can count services clause
//! by clause and a station can see which parts of the standard it does not deliver.
//!
//! The items are the standard's own third-level clauses; a finer clause (`8.3.4.3`) is read as
//! the item it belongs to (`8.3.4`).

use crate::Msg;
use serde::Serialize;

/// One item of section 8: its clause, its area (8.1 … 8.6) and its name in the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Item {
    pub code: &'static str,
    pub area: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn item(code: &'static str, area: &'static str, zh: &'static str, en: &'static str) -> Item {
    Item { code, area, zh, en }
}

/// The areas of section 8 with their headings.
pub const AREAS: [crate::Choice; 6] = [
    ("8.1", "社会救助社会工作服务", "social assistance"),
    ("8.2", "老年社会工作服务", "older people"),
    ("8.3", "儿童社会工作服务", "children"),
    ("8.4", "社区发展社会工作服务", "community development"),
    ("8.5", "志愿服务管理", "volunteer service"),
    ("8.6", "其他社会工作服务", "other services"),
];

pub const ITEMS: [Item; 26] = [
    item("8.1.1", "8.1", "入户调查", "household investigation"),
    item("8.1.2", "8.1", "政策宣传", "policy publicity"),
    item("8.1.3", "8.1", "资源链接", "resource linkage"),
    item("8.1.4", "8.1", "能力提升", "capacity building"),
    item("8.1.5", "8.1", "社会融合", "social integration"),
    item("8.2.1", "8.2", "入户走访", "home visits"),
    item("8.2.2", "8.2", "物质救助", "material assistance"),
    item("8.2.3", "8.2", "生活照料", "daily-living care"),
    item("8.2.4", "8.2", "家庭辅导", "family counselling"),
    item("8.2.5", "8.2", "精神慰藉", "emotional comfort"),
    item("8.2.6", "8.2", "社会支持网络建设", "social support network"),
    item("8.2.7", "8.2", "社区参与", "community participation"),
    item("8.2.8", "8.2", "老年教育", "education for older people"),
    item("8.2.9", "8.2", "政策咨询", "policy advice"),
    item("8.3.1", "8.3", "入户走访", "home visits"),
    item("8.3.2", "8.3", "文化娱乐", "culture and recreation"),
    item("8.3.3", "8.3", "心理健康", "mental health"),
    item("8.3.4", "8.3", "儿童保护", "child protection"),
    item("8.3.5", "8.3", "家庭支持", "family support"),
    item(
        "8.4.1",
        "8.4",
        "促进社区参与",
        "promoting community participation",
    ),
    item(
        "8.4.2",
        "8.4",
        "培育社会组织",
        "incubating social organisations",
    ),
    item("8.4.3", "8.4", "提升居民能力", "residents' capacity"),
    item("8.4.4", "8.4", "推动多方联动", "multi-party linkage"),
    item(
        "8.5.1",
        "8.5",
        "建立志愿服务队伍",
        "building volunteer teams",
    ),
    item(
        "8.5.2",
        "8.5",
        "支持引导志愿服务",
        "supporting volunteer service",
    ),
    item(
        "8.6",
        "8.6",
        "其他社会工作服务",
        "other social work services",
    ),
];

impl Item {
    /// `8.2.5 精神慰藉`, as forms and reports show it.
    pub fn display(&self) -> String {
        format!("{} {}", self.code, self.zh)
    }

    pub fn label(&self) -> Msg {
        Msg::owned(self.display(), format!("{} {}", self.code, self.en))
    }
}

/// Reads an item as typed: its clause (`8.2.5`, or a finer clause such as `8.3.4.3`), optionally
/// followed by its name (`8.2.5 精神慰藉`). A name alone is not enough: 入户走访 is both 8.2.1 and
/// 8.3.1.
pub fn parse(input: &str) -> Result<&'static Item, Msg> {
    let code = input.split_whitespace().next().unwrap_or_default();
    let mut candidate = code.trim_end_matches('.');
    loop {
        if let Some(found) = ITEMS.iter().find(|i| i.code == candidate) {
            return Ok(found);
        }
        match candidate.rfind('.') {
            Some(dot) if candidate.matches('.').count() > 1 => candidate = &candidate[..dot],
            _ => break,
        }
    }
    Err(Msg::owned(
        format!(
            "“{}”不是第 8 章的服务内容条款,请写条款号,如 8.2.5(精神慰藉)",
            input.trim()
        ),
        format!(
            "“{}” is not a service-content clause of section 8; give the clause, e.g. 8.2.5",
            input.trim()
        ),
    ))
}

/// The items of one area, in the standard's order.
pub fn in_area(area: &str) -> impl Iterator<Item = &'static Item> {
    ITEMS.iter().filter(move |i| i.area == area)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn items_are_read_by_clause_with_or_without_their_name() {
        assert_eq!(parse("8.2.5").unwrap().zh, "精神慰藉");
        assert_eq!(parse(" 8.2.5 精神慰藉 ").unwrap().code, "8.2.5");
        assert_eq!(parse("8.3.4.3").unwrap().code, "8.3.4");
        assert_eq!(parse("8.6").unwrap().zh, "其他社会工作服务");
        assert_eq!(parse("8.6.1").unwrap().code, "8.6");
        assert_eq!(parse("8.2.5").unwrap().display(), "8.2.5 精神慰藉");
    }

    #[test]
    fn names_alone_and_other_clauses_are_refused() {
        for bad in ["精神慰藉", "8.7.1", "9.1", "8", "8.2", "", "7.6.4"] {
            let err = parse(bad).unwrap_err();
            assert!(err.zh.contains("第 8 章"), "{bad}");
        }
    }

    #[test]
    fn every_item_belongs_to_a_known_area_in_order() {
        for i in ITEMS {
            assert!(AREAS.iter().any(|a| a.0 == i.area), "{}", i.code);
            assert!(i.code.starts_with(i.area));
        }
        let codes: Vec<&str> = ITEMS.iter().map(|i| i.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted, "unique and in the standard's order");
        assert_eq!(in_area("8.3").count(), 5);
    }

    proptest! {
        #[test]
        fn a_finer_clause_is_read_as_its_item(i in 0usize..ITEMS.len(), extra in 1u8..9) {
            let it = &ITEMS[i];
            let finer = format!("{}.{extra}", it.code);
            prop_assert_eq!(parse(&finer).unwrap().code, it.code);
        }
    }
}
