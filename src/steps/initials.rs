//! Whose initials these are: a person confirms a statement with their own initials, and
//! initials that are not theirs (`XY` for Alice Example) are not recorded as if they were.
//!
//! The initials expected of a role are those the script declares (`initials: AE`), or else
//! the first letters of the name's words (`Alice Example` → `AE`; hyphenated parts and the
//! first and last words are accepted too: `Jean-Luc Picard` → `JP` or `JLP`). Case, dots
//! and spaces do not matter.
//!
//! A mismatch asks the person again; a second one may be confirmed by the officer (the
//! script's first role), who states that the person present typed these initials. That
//! confirmation is recorded (`initials_confirmed`), with both sets of initials; an officer
//! whose own initials do not match stops the step.

use super::{StepContext, StepError};
use crate::script::types::{Initials, RoleId};
use crate::script::Role;
use crate::transcript::events;

/// The letters of `text`, upper-cased, without dots, hyphens or spaces.
fn letters(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The forms of `role`'s initials that are accepted, as letters.
pub fn accepted(role: &Role) -> Vec<String> {
    if let Some(declared) = &role.initials {
        return vec![letters(declared.as_str())];
    }
    let first = |words: &mut dyn Iterator<Item = &str>| -> String {
        letters(
            &words
                .filter_map(|w| w.chars().find(|c| c.is_alphabetic()))
                .collect::<String>(),
        )
    };
    let words: Vec<&str> = role.name.split_whitespace().collect();
    let mut forms = vec![
        first(&mut words.iter().copied()),
        first(&mut role.name.split(|c: char| c.is_whitespace() || c == '-')),
    ];
    if let (Some(a), Some(b)) = (words.first(), words.last()) {
        forms.push(first(&mut [*a, *b].into_iter()));
    }
    forms.retain(|f| !f.is_empty());
    forms.dedup();
    forms
}

/// Whether `typed` are `role`'s initials.
pub fn belong(typed: &Initials, role: &Role) -> bool {
    let typed = letters(typed.as_str());
    accepted(role).contains(&typed)
}

/// Asks `id` to confirm `statement` with their initials, and checks that they are
/// theirs; see the module documentation.
pub fn confirm_as(
    cx: &mut StepContext<'_>,
    id: &RoleId,
    statement: &str,
) -> Result<Initials, StepError> {
    let script = cx.script;
    let role = script.role(id);
    let view = cx.role(id);
    let expected = accepted(role).join(" or ");
    let typed = cx.operator.confirm(&cx.view, &view, statement)?;
    if belong(&typed, role) {
        return Ok(typed);
    }
    cx.problem(&format!(
        "`{}` are not {}'s initials ({expected}). {}, type your own initials.",
        typed.as_str(),
        role.name,
        role.name
    ));
    let typed = cx.operator.confirm(&cx.view, &view, statement)?;
    if belong(&typed, role) {
        return Ok(typed);
    }
    let Some(officer) = script.roles.first() else {
        return Err(StepError::failed("the script has no roles"));
    };
    // Nobody vouches for themselves.
    if officer.id == *id {
        return Err(StepError::failed(format!(
            "`{}` are not {}'s initials ({expected}), twice; the officer cannot vouch for their own",
            typed.as_str(),
            role.name
        )));
    }
    cx.problem(&format!(
        "`{}` differ again from {}'s initials ({expected}). {} may confirm that {} typed them, or abort.",
        typed.as_str(),
        role.name,
        officer.name,
        role.name
    ));
    let officer_view = cx.role(&officer.id);
    let vouch = format!(
        "{} ({id}) is present and confirms with the initials `{}`, which differ from {expected}.",
        role.name,
        typed.as_str()
    );
    let officer_initials = cx.operator.confirm(&cx.view, &officer_view, &vouch)?;
    if !belong(&officer_initials, officer) {
        return Err(StepError::failed(format!(
            "`{}` are not {}'s initials either; the initials of {} could not be confirmed",
            officer_initials.as_str(),
            officer.name,
            role.name
        )));
    }
    cx.record(&events::InitialsConfirmed {
        role: id.to_string(),
        typed: typed.as_str().to_string(),
        expected,
        officer: officer.id.to_string(),
        officer_initials: officer_initials.as_str().to_string(),
    })?;
    Ok(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str, initials: Option<&str>) -> Role {
        Role {
            id: RoleId::parse("r").unwrap(),
            name: name.to_string(),
            cert: None,
            initials: initials.map(|i| Initials::parse(i).unwrap()),
        }
    }

    #[test]
    fn initials_come_from_the_name_or_the_script() {
        let alice = role("Alice Example", None);
        assert!(belong(&Initials::parse("AE").unwrap(), &alice));
        assert!(belong(&Initials::parse("a.e.").unwrap(), &alice));
        assert!(!belong(&Initials::parse("XY").unwrap(), &alice));
        let jean = role("Jean-Luc van der Berg", None);
        for ok in ["JVDB", "JLVDB", "JB"] {
            assert!(belong(&Initials::parse(ok).unwrap(), &jean), "{ok}");
        }
        let declared = role("Alice Example", Some("AX"));
        assert!(belong(&Initials::parse("ax").unwrap(), &declared));
        assert!(!belong(&Initials::parse("AE").unwrap(), &declared));
        assert_eq!(accepted(&role("Ødegård Åse", None)), ["ØÅ"]);
    }
}
