//! The two languages of the UI: Chinese (default) and English, switched by a cookie. Templates
//! carry both texts side by side (`{{ l.t("登录", "Log in") }}`), so no text can go missing in one
//! language and every string is checked at compile time.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use shegong_domain::Msg;
use std::convert::Infallible;

pub const LANG_COOKIE: &str = "sg_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn m<'a>(&self, m: &'a Msg) -> &'a str {
        m.get(*self == Lang::En)
    }

    pub fn is_en(&self) -> bool {
        *self == Lang::En
    }

    pub fn html(&self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_parts(parts: &Parts) -> Lang {
        let jar = CookieJar::from_headers(&parts.headers);
        match jar.get(LANG_COOKIE).map(|c| c.value()) {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Infallible> {
        Ok(Lang::from_parts(parts))
    }
}
