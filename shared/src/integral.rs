//! Whole numbers as JSON Schema counts them: `10394` and `10394.0` alike
//! (JSON has one number type, and a JSON Schema `integer` is any number
//! whose fraction is zero). serde's `i64` takes only the first form, so a
//! client that writes the second (JavaScript's `JSON.stringify(1e3)` never
//! does, but other encoders may) would be refused with a request the REST
//! schema calls valid. Used with `#[serde(deserialize_with = …)]`.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Float(f64),
}

fn whole<E: serde::de::Error>(n: Number) -> Result<i64, E> {
    match n {
        Number::Int(i) => Ok(i),
        // Within ±2^53 every whole f64 is exact, so nothing is rounded.
        Number::Float(f) if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => Ok(f as i64),
        Number::Float(f) => Err(E::custom(format!("expected a whole number, found {f}"))),
    }
}

pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    whole(Number::deserialize(d)?)
}

pub fn optional_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<Number>::deserialize(d)?.map(whole).transpose()
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Both {
        #[serde(deserialize_with = "super::int")]
        a: i64,
        #[serde(default, deserialize_with = "super::optional_int")]
        b: Option<i64>,
    }

    fn parse(json: &str) -> Result<(i64, Option<i64>), serde_json::Error> {
        serde_json::from_str::<Both>(json).map(|x| (x.a, x.b))
    }

    #[test]
    fn whole_numbers_in_either_form() {
        assert_eq!(parse(r#"{"a": 7, "b": 8}"#).unwrap(), (7, Some(8)));
        assert_eq!(parse(r#"{"a": 7.0, "b": 8.0}"#).unwrap(), (7, Some(8)));
        assert_eq!(parse(r#"{"a": -3, "b": null}"#).unwrap(), (-3, None));
        assert_eq!(parse(r#"{"a": 1}"#).unwrap(), (1, None));
        assert!(parse(r#"{"a": 7.5}"#).is_err());
        assert!(parse(r#"{"a": 1e300}"#).is_err());
        assert!(parse(r#"{"a": "7"}"#).is_err());
    }
}
