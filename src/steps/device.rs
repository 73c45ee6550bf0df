//! `device`: asks a hardware wallet on a serial port what wallet it holds.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Resolver, StepContext, StepError, StepKind};

/// What a script writes for `device`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceSyntax {}

/// A resolved `device` step.
#[derive(Debug)]
pub struct Device;

impl StepKind for Device {
    const NAME: &'static str = "device";
    const DOC: &'static str = "Asks a hardware wallet on a serial port what wallet it holds.";
    type Syntax = DeviceSyntax;

    fn resolve(_syntax: Self::Syntax, _cx: &mut Resolver<'_>) -> Option<Self> {
        Some(Device)
    }

    fn default_title(&self) -> String {
        "Check the hardware wallet".to_string()
    }

    fn run(&self, _cx: &mut StepContext<'_>) -> Result<(), StepError> {
        Err(StepError::failed("the device step is not built yet"))
    }
}
