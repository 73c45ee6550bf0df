//! Who confirms in each step, from the resolved script, so the confirmation screen can
//! show who has confirmed and who has not before the engine asks them.

use crate::script::Script;

use super::operator::Person;

/// For each step of `script`, the people who confirm in it, in order.
pub fn rosters(script: &Script) -> Vec<Vec<Person>> {
    script
        .steps
        .iter()
        .map(|step| {
            step.action
                .confirmers()
                .iter()
                .map(|id| {
                    let role = script.role(id);
                    Person {
                        role: role.id.to_string(),
                        name: super::operator::shown(&role.name),
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_rosters_come_from_the_script() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ceremonies/demo.yaml");
        let script = crate::script::load(&path).expect("the demo loads");
        let rosters = rosters(&script);
        assert_eq!(rosters.len(), script.steps.len());
        let roles =
            |i: usize| -> Vec<&str> { rosters[i].iter().map(|p| p.role.as_str()).collect() };
        assert_eq!(roles(0).len(), 6, "attendance");
        assert_eq!(roles(2), ["witness-1", "witness-2"], "check-seal");
        assert_eq!(roles(3), ["officer", "witness-1"], "offline");
        assert!(roles(1).is_empty(), "a record step has no roster");
        assert_eq!(rosters[0][0].name, "Alice Example");
    }
}
