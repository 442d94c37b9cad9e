//! The eight roles of requirements.md. A role is held at one org node and covers its subtree (or,
//! for an operator organisation, the stations it runs).

use crate::Msg;
use crate::org::OrgLevel;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SocialWorker,
    StationHead,
    Supervisor,
    OperatorAdmin,
    Purchaser,
    TownshipLiaison,
    SystemAdmin,
    Volunteer,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::SocialWorker,
        Role::StationHead,
        Role::Supervisor,
        Role::OperatorAdmin,
        Role::Purchaser,
        Role::TownshipLiaison,
        Role::SystemAdmin,
        Role::Volunteer,
    ];

    /// Stable id used in the database, the API and the command line (interface.md).
    pub fn id(self) -> &'static str {
        match self {
            Role::SocialWorker => "social_worker",
            Role::StationHead => "station_head",
            Role::Supervisor => "supervisor",
            Role::OperatorAdmin => "operator_admin",
            Role::Purchaser => "purchaser",
            Role::TownshipLiaison => "township_liaison",
            Role::SystemAdmin => "system_admin",
            Role::Volunteer => "volunteer",
        }
    }

    pub fn from_id(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.id() == s)
    }

    pub fn label(self) -> Msg {
        match self {
            Role::SocialWorker => Msg::new("驻站社工", "social worker"),
            Role::StationHead => Msg::new("站长", "station head"),
            Role::Supervisor => Msg::new("督导", "supervisor"),
            Role::OperatorAdmin => Msg::new("承接方管理员", "operator admin"),
            Role::Purchaser => Msg::new("购买方(民政局)", "purchaser (civil affairs)"),
            Role::TownshipLiaison => Msg::new("乡镇(街道)联络人", "township liaison"),
            Role::SystemAdmin => Msg::new("系统管理员", "system admin"),
            Role::Volunteer => Msg::new("志愿者", "volunteer"),
        }
    }

    /// Where in the org tree this role may be held.
    pub fn allowed_at(self, level: OrgLevel) -> bool {
        use OrgLevel::*;
        match self {
            Role::SocialWorker | Role::StationHead | Role::TownshipLiaison | Role::Volunteer => {
                level == Township
            }
            Role::Supervisor | Role::OperatorAdmin => level == Operator,
            // The purchaser is the civil-affairs bureau at county level or higher.
            Role::Purchaser => matches!(level, Province | City | County),
            Role::SystemAdmin => matches!(level, Province | City | County),
        }
    }

    /// Roles that must log in with a second factor (等保 2.0: administrators; and the purchaser,
    /// who sees a whole county).
    pub fn requires_two_factor(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::Purchaser)
    }

    /// Roles this role may give to accounts it manages (never one above its own reach).
    pub fn may_assign(self, other: Role) -> bool {
        match self {
            Role::SystemAdmin => true,
            Role::OperatorAdmin => {
                matches!(
                    other,
                    Role::StationHead | Role::SocialWorker | Role::Supervisor | Role::Volunteer
                )
            }
            Role::StationHead => matches!(other, Role::SocialWorker | Role::Volunteer),
            _ => false,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_id(r.id()), Some(r));
        }
        assert_eq!(Role::from_id("root"), None);
    }

    #[test]
    fn only_managers_assign_and_never_upwards() {
        assert!(Role::SystemAdmin.may_assign(Role::SystemAdmin));
        assert!(Role::StationHead.may_assign(Role::SocialWorker));
        assert!(!Role::StationHead.may_assign(Role::StationHead));
        assert!(!Role::OperatorAdmin.may_assign(Role::Purchaser));
        assert!(!Role::OperatorAdmin.may_assign(Role::OperatorAdmin));
        for r in [
            Role::SocialWorker,
            Role::Supervisor,
            Role::Purchaser,
            Role::TownshipLiaison,
            Role::Volunteer,
        ] {
            for o in Role::ALL {
                assert!(!r.may_assign(o), "{r} must not assign {o}");
            }
        }
    }

    #[test]
    fn roles_sit_at_their_level() {
        assert!(Role::SocialWorker.allowed_at(OrgLevel::Township));
        assert!(!Role::SocialWorker.allowed_at(OrgLevel::County));
        assert!(Role::Purchaser.allowed_at(OrgLevel::County));
        assert!(!Role::Purchaser.allowed_at(OrgLevel::Township));
        assert!(Role::OperatorAdmin.allowed_at(OrgLevel::Operator));
        assert!(!Role::SystemAdmin.allowed_at(OrgLevel::Village));
    }
}
