//! The type shapes of the two annotations `CopyFromRawCrashRule` copies as
//! JSON objects (`JavaException`, `TelemetryEnvironment`), and Socorro's
//! check of a document against one (`SocorroDataReducer.traverse`).
//!
//! A shape is written in a compact notation: the types a value may have
//! (`S` string, `I` integer, `F` float, `B` boolean, `N` null, `O` object,
//! `A` array), then for an object `{name=shape,…}` (a name `*` stands for
//! any other non-empty key), for an array `[shape]` of its items. The
//! check only looks at types along the shape: keys the shape does not know
//! are not checked, and the document is kept whole. A test compares both
//! shapes with Socorro's `processed_crash.schema.yaml`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::Value;

/// `java_exception`.
pub const JAVA_EXCEPTION: &str = "
O{exception=O{values=A[O{stacktrace=O{frames=A[O{filename=SN,function=SN,in_app=BN,lineno=IN,module=SN}],module=S,type=S,value=S}}]}}";

/// `telemetry_environment`.
pub const TELEMETRY_ENVIRONMENT: &str = "
O{addons=O{activeAddons=O{*=O{appDisabled=B,blocklisted=B,description=SN,foreignInstall=IB,
hasBinaryComponents=B,installDay=IN,isSystem=B,isWebExtension=B,multiprocessCompatible=B,
name=S,scope=IN,signedState=I,type=S,updateDay=IN,userDisabled=BI,version=SF}},
activeGMPlugins=O{*=O{applyBackgroundUpdates=IB,userDisabled=B,version=SN}},
activePlugins=A[O{blocklisted=B,clicktoplay=B,description=SN,disabled=B,mimeTypes=A[S],
name=S,updateDay=IN,version=SF}],theme=O{appDisabled=B,blocklisted=B,description=SN,
foreignInstall=BI,hasBinaryComponents=B,id=S,installDay=IN,name=S,scope=I,updateDay=IN,
userDisabled=B,version=S}},build=O{applicationId=S,applicationName=S,architecture=S,
buildId=S,version=S,vendor=S,displayVersion=S,platformVersion=S,xpcomAbi=S,
updaterAvailable=B},experiments=O{*=O{branch=S,enrollmentId=S,type=S}},
partner=O{distributionId=SN,distributionVersion=SN,distributor=SN,distributorChannel=SN,
partnerId=SN,partnerNames=A[S]},profile=O{creationDate=I,firstUseDate=I,resetDate=I},
services=O{accountEnabled=B,syncEnabled=B},settings=O{addonCompatibilityCheckEnabled=B,
blocklistEnabled=B,defaultSearchEngine=S,defaultSearchEngineData=O{loadPath=SN,name=S,
origin=S,submissionURL=S},e10sEnabled=B,e10sMultiProcesses=I,fissionEnabled=B,
intl=O{acceptLanguages=A[S],appLocales=A[S],availableLocales=A[S],
regionalPrefsLocales=AN[S],requestedLocales=A[S],systemLocales=AN[S]},isDefaultBrowser=BN,
launcherProcessState=I,locale=S,sandbox=O{contentWin32kLockdownState=IN,
effectiveContentProcessLevel=IN},searchCohort=SN,telemetryEnabled=B,update=O{autoDownload=B,
background=B,channel=S,enabled=B},userPrefs=O{*=BSIN}},system=O{appleModelId=SN,
cpu=O{cores=IN,count=I,extensions=A[S],family=IN,isWindowsSMode=B,l2cacheKB=IN,l3cacheKB=IN,
model=IN,name=SN,speedMHz=IN,stepping=IN,vendor=SN},gfx=O{ContentBackend=S,D2DEnabled=BN,
DWriteEnabled=BN,EmbeddedInFirefoxReality=BN,Headless=BN,adapters=A[O{GPUActive=BN,RAM=IN,
description=SN,deviceID=SN,driver=SN,driverDate=SN,driverVendor=SN,driverVersion=SN,
subsysID=SN,vendorID=SN}],features=O{advancedLayers=O{status=SN},compositor=SN,
d2d=O{status=SN,version=SN},d3d11=O{blocklisted=BN,status=SN,textureSharing=BN,version=IN,
warp=BN},gpuProcess=O{status=SN},hwCompositing=O{status=SN},omtp=O{status=SN},
openglCompositing=O{status=SN},webrender=O{status=SN},wrCompositor=O{status=SN},
wrQualified=O{status=SN},wrSoftware=O{status=SN}},monitors=A[O{scale=I,screenWidth=I,
screenHeight=I,refreshRate=I,pseudoDisplay=B}]},hasWinPackageId=BN,hdd=O{binary=O{model=SN,
revision=SN,type=SN},profile=O{model=SN,revision=SN,type=SN},system=O{model=SN,revision=SN,
type=SN}},isWow64=B,isWowARM64=BN,memoryMB=I,os=O{hasPrefetch=BN,hasSuperfetch=BN,
installYear=IN,locale=S,name=S,servicePackMajor=I,servicePackMinor=I,version=S,
windowsBuildNumber=I,windowsUBR=I},sec=O{antivirus=AN[S],antispyware=AN[S],firewall=AN[S]},
virtualMaxMB=IN}}
";

/// A parsed shape.
#[derive(Debug, Default)]
pub struct Shape {
    /// Type letters.
    kinds: String,
    properties: BTreeMap<String, Shape>,
    /// The shape of keys not in `properties` (the schema's `^.+$`).
    any_key: Option<Box<Shape>>,
    items: Option<Box<Shape>>,
}

pub static JAVA_EXCEPTION_SHAPE: LazyLock<Shape> = LazyLock::new(|| parse(JAVA_EXCEPTION));
pub static TELEMETRY_ENVIRONMENT_SHAPE: LazyLock<Shape> =
    LazyLock::new(|| parse(TELEMETRY_ENVIRONMENT));

/// The shape written in `text` (whitespace ignored). The texts are this
/// module's own constants, so a malformed one is a programming error that
/// the unit tests catch.
fn parse(text: &str) -> Shape {
    let compact: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut at = 0;
    parse_at(&compact, &mut at)
}

fn parse_at(s: &[char], at: &mut usize) -> Shape {
    let mut shape = Shape::default();
    while *at < s.len() && s[*at].is_ascii_uppercase() {
        shape.kinds.push(s[*at]);
        *at += 1;
    }
    if s.get(*at) == Some(&'{') {
        *at += 1;
        while *at < s.len() && s[*at] != '}' {
            let start = *at;
            while *at < s.len() && s[*at] != '=' {
                *at += 1;
            }
            let name: String = s[start..*at].iter().collect();
            *at += 1;
            let value = parse_at(s, at);
            if name == "*" {
                shape.any_key = Some(Box::new(value));
            } else {
                shape.properties.insert(name, value);
            }
            if s.get(*at) == Some(&',') {
                *at += 1;
            }
        }
        *at += 1;
    }
    if s.get(*at) == Some(&'[') {
        *at += 1;
        shape.items = Some(Box::new(parse_at(s, at)));
        *at += 1;
    }
    shape
}

/// The letter of a JSON value's type as Python sees it (`1.0` is a float).
fn letter(value: &Value) -> char {
    match value {
        Value::Null => 'N',
        Value::Bool(_) => 'B',
        Value::String(_) => 'S',
        Value::Number(n) if n.is_f64() => 'F',
        Value::Number(_) => 'I',
        Value::Object(_) => 'O',
        Value::Array(_) => 'A',
    }
}

impl Shape {
    /// Whether `value` has this shape, as Socorro's reducer checks it.
    pub fn admits(&self, value: &Value) -> bool {
        if !self.kinds.contains(letter(value)) {
            return false;
        }
        match value {
            Value::Array(items) => match &self.items {
                Some(item) => items.iter().all(|v| item.admits(v)),
                None => items.is_empty(),
            },
            Value::Object(map) => map.iter().all(|(key, v)| {
                match self
                    .properties
                    .get(key)
                    .or_else(|| self.any_key.as_deref().filter(|_| !key.is_empty()))
                {
                    Some(shape) => shape.admits(v),
                    None => true,
                }
            }),
            _ => true,
        }
    }

    /// The type letters of the value at the top.
    pub fn kinds(&self) -> &str {
        &self.kinds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_shapes_parse_whole() {
        assert_eq!(JAVA_EXCEPTION_SHAPE.kinds(), "O");
        assert_eq!(TELEMETRY_ENVIRONMENT_SHAPE.kinds(), "O");
        assert!(TELEMETRY_ENVIRONMENT_SHAPE.properties.len() > 5);
    }

    #[test]
    fn types_are_checked_along_the_shape_only() {
        let shape = &*JAVA_EXCEPTION_SHAPE;
        let frame = |lineno: Value| {
            json!({"exception": {"values": [{"stacktrace": {"frames": [{"lineno": lineno}],
                "type": "E", "module": "m", "value": "v"}}]}, "unknown": [1, {"x": 2}]})
        };
        assert!(shape.admits(&frame(json!(12))));
        assert!(shape.admits(&frame(Value::Null)));
        assert!(!shape.admits(&frame(json!("12"))));
        // Python's type of 12.0 is float, which an integer field refuses.
        assert!(!shape.admits(&frame(json!(12.0))));
        assert!(!shape.admits(&json!([])));
    }
}
