//! The one access policy (design.md decision 7): may this user do this action on this record?
//!
//! Every handler asks [`decide`]; every store query filters by the same [`Scope`]. The answer for a
//! record outside the user's scope is [`Decision::NotFound`], never "forbidden": a user must not
//! learn that a record exists somewhere they cannot see (interface.md, 404 "or out of scope").

use crate::Msg;
use crate::role::Role;
use crate::scope::Scope;
use serde::{Deserialize, Serialize};

/// R-7.4g information classification (信息密级).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// 一般
    #[default]
    Ordinary,
    /// 敏感: children's records, health, specific identities (个人信息保护法 Art. 28). Reads audited.
    Sensitive,
    /// 机密: e.g. child abuse, domestic violence. Only assigned workers, the station head and
    /// explicitly granted supervisors.
    Confidential,
}

impl Sensitivity {
    pub const ALL: [Sensitivity; 3] = [
        Sensitivity::Ordinary,
        Sensitivity::Sensitive,
        Sensitivity::Confidential,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Sensitivity::Ordinary => "ordinary",
            Sensitivity::Sensitive => "sensitive",
            Sensitivity::Confidential => "confidential",
        }
    }

    pub fn from_id(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.id() == s)
    }

    pub fn label(self) -> Msg {
        match self {
            Sensitivity::Ordinary => Msg::new("一般", "ordinary"),
            Sensitivity::Sensitive => Msg::new("敏感", "sensitive"),
            Sensitivity::Confidential => Msg::new("机密", "confidential"),
        }
    }
}

/// What a user wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Browse the org tree and see station names.
    ViewOrg,
    /// Import or edit org nodes and operator–station links.
    ManageOrg,
    /// See staff accounts.
    ViewUsers,
    /// Create, edit, lock/unlock accounts, reset passwords.
    ManageUsers,
    /// Read the audit log.
    ViewAudit,
    /// Read a service-archive record (person, household, case…) with identities masked.
    ReadRecord,
    /// Create or change a service-archive record.
    WriteRecord,
    /// Show a full ID or phone number (always audited).
    RevealIdentity,
    /// Export records to a file (always audited).
    ExportRecords,
    /// Aggregated statistics without personal data.
    ViewStats,
    /// Station work reports and meetings.
    ViewReports,
    WriteReports,
    /// Supervision records on cases and workers.
    WriteSupervision,
    /// Quality reviews of closed cases and their improvement actions (7.5.2.2, 10.5).
    ReviewQuality,
    /// Configuration and backups.
    ManageSystem,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::ViewOrg,
        Action::ManageOrg,
        Action::ViewUsers,
        Action::ManageUsers,
        Action::ViewAudit,
        Action::ReadRecord,
        Action::WriteRecord,
        Action::RevealIdentity,
        Action::ExportRecords,
        Action::ViewStats,
        Action::ViewReports,
        Action::WriteReports,
        Action::WriteSupervision,
        Action::ReviewQuality,
        Action::ManageSystem,
    ];

    /// Whether doing this to a record of this sensitivity must be written to the audit log.
    /// Changes are audited by the store whatever the sensitivity; this covers reads.
    pub fn audited(self, sensitivity: Sensitivity) -> bool {
        match self {
            Action::RevealIdentity | Action::ExportRecords => true,
            Action::ReadRecord => sensitivity >= Sensitivity::Sensitive,
            _ => false,
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub role: Role,
    pub scope: Scope,
}

/// The record acted upon, as far as access is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The org node the record belongs to (a station or a village below it, or a higher node).
    pub org_code: &'a str,
    pub sensitivity: Sensitivity,
    /// The user is an assigned worker of this record, or a supervisor explicitly granted it.
    pub assigned: bool,
}

impl<'a> Target<'a> {
    /// A record with no sensitivity of its own: an org node, an account, a report.
    pub fn at(org_code: &'a str) -> Self {
        Target {
            org_code,
            sensitivity: Sensitivity::Ordinary,
            assigned: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// In scope, but the role may not do this: answer 403.
    Forbidden,
    /// Out of scope or hidden by its classification: answer 404, as if it did not exist.
    NotFound,
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Whether the role may do the action at all, on a record in its scope.
pub fn role_may(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::SystemAdmin => {
            matches!(
                action,
                ViewOrg
                    | ManageOrg
                    | ViewUsers
                    | ManageUsers
                    | ViewAudit
                    | ViewStats
                    | ManageSystem
            )
        }
        Role::Purchaser => matches!(
            action,
            ViewOrg | ViewUsers | ViewAudit | ViewStats | ViewReports | ReviewQuality
        ),
        Role::OperatorAdmin => {
            matches!(
                action,
                ViewOrg
                    | ViewUsers
                    | ManageUsers
                    | ViewStats
                    | ViewReports
                    | WriteReports
                    | ReviewQuality
            )
        }
        Role::StationHead => matches!(
            action,
            ViewOrg
                | ViewUsers
                | ManageUsers
                | ViewAudit
                | ReadRecord
                | WriteRecord
                | RevealIdentity
                | ExportRecords
                | ViewStats
                | ViewReports
                | WriteReports
                | ReviewQuality
        ),
        Role::SocialWorker => matches!(
            action,
            ViewOrg
                | ViewUsers
                | ReadRecord
                | WriteRecord
                | RevealIdentity
                | ExportRecords
                | ViewStats
                | ViewReports
        ),
        Role::Supervisor => matches!(action, ViewOrg | ReadRecord | WriteSupervision | ViewStats),
        Role::TownshipLiaison => matches!(action, ViewOrg | ViewStats | ViewReports),
        // Volunteers act only on their own volunteer record, through self-service routes.
        Role::Volunteer => false,
    }
}

/// The policy. Scope first (so nothing about an out-of-scope record leaks), then the record's
/// classification, then the role.
pub fn decide(p: &Principal, action: Action, t: &Target) -> Decision {
    if !p.scope.contains(t.org_code) {
        return Decision::NotFound;
    }
    let touches_content = matches!(
        action,
        Action::ReadRecord
            | Action::WriteRecord
            | Action::RevealIdentity
            | Action::ExportRecords
            | Action::WriteSupervision
    );
    if touches_content
        && t.sensitivity == Sensitivity::Confidential
        && !(t.assigned || p.role == Role::StationHead)
    {
        return Decision::NotFound;
    }
    if role_may(p.role, action) {
        Decision::Allow
    } else {
        Decision::Forbidden
    }
}

/// May `p` create or change an account with `role` at `org_code`? (Also covers the account being
/// changed: call it with the account's current role and org, then with the new ones.)
pub fn may_manage_account(p: &Principal, role: Role, org_code: &str) -> Decision {
    match decide(p, Action::ManageUsers, &Target::at(org_code)) {
        Decision::Allow if p.role.may_assign(role) => Decision::Allow,
        Decision::Allow => Decision::Forbidden,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgCode;

    fn principal(role: Role, roots: &[&str]) -> Principal {
        Principal {
            user_id: 1,
            role,
            scope: Scope::new(roots.iter().map(|c| OrgCode::parse(c).unwrap()).collect()),
        }
    }

    #[test]
    fn out_of_scope_is_not_found_for_every_role_and_action() {
        for role in Role::ALL {
            let p = principal(role, &["430202001"]);
            for action in Action::ALL {
                for s in Sensitivity::ALL {
                    let t = Target {
                        org_code: "430202002",
                        sensitivity: s,
                        assigned: true,
                    };
                    assert_eq!(
                        decide(&p, action, &t),
                        Decision::NotFound,
                        "{role:?} {action:?} {s:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn in_scope_follows_the_role_table() {
        for role in Role::ALL {
            let p = principal(role, &["430202001"]);
            for action in Action::ALL {
                let got = decide(&p, action, &Target::at("430202001001"));
                let want = if role_may(role, action) {
                    Decision::Allow
                } else {
                    Decision::Forbidden
                };
                assert_eq!(got, want, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn confidential_records_only_for_assigned_workers_and_the_head() {
        let conf = |assigned| Target {
            org_code: "430202001",
            sensitivity: Sensitivity::Confidential,
            assigned,
        };
        let worker = principal(Role::SocialWorker, &["430202001"]);
        assert_eq!(
            decide(&worker, Action::ReadRecord, &conf(false)),
            Decision::NotFound
        );
        assert_eq!(
            decide(&worker, Action::ReadRecord, &conf(true)),
            Decision::Allow
        );
        let head = principal(Role::StationHead, &["430202001"]);
        assert_eq!(
            decide(&head, Action::ReadRecord, &conf(false)),
            Decision::Allow
        );
        let sup = principal(Role::Supervisor, &["430202OPHT01", "430202001"]);
        assert_eq!(
            decide(&sup, Action::ReadRecord, &conf(false)),
            Decision::NotFound
        );
        assert_eq!(
            decide(&sup, Action::ReadRecord, &conf(true)),
            Decision::Allow
        );
        assert_eq!(
            decide(&sup, Action::WriteRecord, &conf(true)),
            Decision::Forbidden
        );
    }

    #[test]
    fn sensitive_reads_are_audited_ordinary_reads_are_not() {
        assert!(!Action::ReadRecord.audited(Sensitivity::Ordinary));
        assert!(Action::ReadRecord.audited(Sensitivity::Sensitive));
        assert!(Action::ReadRecord.audited(Sensitivity::Confidential));
        assert!(Action::RevealIdentity.audited(Sensitivity::Ordinary));
        assert!(Action::ExportRecords.audited(Sensitivity::Ordinary));
    }

    #[test]
    fn personal_data_stays_with_station_staff() {
        // The purchaser sees statistics, the admin runs the system: neither reads a person's file.
        for role in [
            Role::Purchaser,
            Role::SystemAdmin,
            Role::OperatorAdmin,
            Role::TownshipLiaison,
            Role::Volunteer,
        ] {
            assert!(!role_may(role, Action::ReadRecord), "{role:?}");
            assert!(!role_may(role, Action::RevealIdentity), "{role:?}");
        }
    }

    #[test]
    fn account_management_needs_scope_and_a_lower_role() {
        let head = principal(Role::StationHead, &["430202001"]);
        assert_eq!(
            may_manage_account(&head, Role::SocialWorker, "430202001"),
            Decision::Allow
        );
        assert_eq!(
            may_manage_account(&head, Role::StationHead, "430202001"),
            Decision::Forbidden
        );
        assert_eq!(
            may_manage_account(&head, Role::SocialWorker, "430202002"),
            Decision::NotFound
        );
        let worker = principal(Role::SocialWorker, &["430202001"]);
        assert_eq!(
            may_manage_account(&worker, Role::Volunteer, "430202001"),
            Decision::Forbidden
        );
    }
}
