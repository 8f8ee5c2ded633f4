//! A labelled input for a whole number (the SMTP port): the page holds a
//! number, never the text, and judges a missing one itself.

use super::widgets::{field_frame, FieldIds};
use leptos::html;
use leptos::prelude::*;

/// Like `Field`, bound to a number: `value` is None while the box holds no
/// whole number (blank, a fraction, or half typed, like "1e").
#[component]
pub fn NumberField(
    label: Signal<&'static str>,
    #[prop(into)] name: String,
    value: RwSignal<Option<i64>>,
    #[prop(into)] problem: Signal<Option<String>>,
    #[prop(optional, into)] help: Option<Signal<&'static str>>,
    #[prop(optional)] on_touch: Option<Callback<()>>,
) -> impl IntoView {
    let ids = FieldIds::new(&name, help.is_some());
    let input = NodeRef::<html::Input>::new();
    Effect::new(move || show(input, value.get()));
    let touch = move || {
        if let Some(cb) = on_touch {
            cb.run(());
        }
    };
    let control = view! {
        <input
            id=ids.input.clone()
            name=name
            type="number"
            autocomplete="off"
            node_ref=input
            aria-describedby=ids.described_by.clone()
            aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
            on:input=move |ev| {
                value.set(whole_number(&event_target_value(&ev)));
                touch();
            }
            on:blur=move |_| touch()
        />
    };
    field_frame(ids, label, help, problem, control)
}

/// A number input's value as a whole number. The browser gives "" for what
/// is not a number, and the valid floating-point syntax otherwise ("1e3").
pub fn whole_number(text: &str) -> Option<i64> {
    let n: f64 = text.trim().parse().ok()?;
    // Within ±2^53 every whole f64 is exact (and NaN and infinities are out).
    (n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0).then_some(n as i64)
}

/// Puts `n` in the box unless it already shows it: rewriting the box while
/// it holds no number yet ("1e") would wipe what the user is typing.
#[cfg(feature = "csr")]
fn show(input: NodeRef<html::Input>, n: Option<i64>) {
    if let Some(el) = input.get() {
        if whole_number(&el.value()) != n {
            el.set_value(&n.map(|n| n.to_string()).unwrap_or_default());
        }
    }
}

#[cfg(not(feature = "csr"))]
fn show(_input: NodeRef<html::Input>, _n: Option<i64>) {}

#[cfg(test)]
mod tests {
    use super::whole_number;

    #[test]
    fn whole_numbers_as_the_browser_writes_them() {
        assert_eq!(whole_number("587"), Some(587));
        assert_eq!(whole_number("70000"), Some(70000));
        assert_eq!(whole_number("-1"), Some(-1));
        assert_eq!(whole_number("1e3"), Some(1000));
        assert_eq!(whole_number("465.0"), Some(465));
        for none in ["", " ", "587.5", "1e300", "NaN", "inf"] {
            assert_eq!(whole_number(none), None, "{none:?}");
        }
    }
}
