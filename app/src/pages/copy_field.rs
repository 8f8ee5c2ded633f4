//! A value to copy (a link, a token shown once): read-only, with a Copy
//! button that says whether the clipboard took it, and falls back to
//! selecting the text for Ctrl+C when the browser will not let us write.

use crate::i18n::use_i18n;
use leptos::html;
use leptos::prelude::*;

/// `quiet`: one of several on a page (a list's rows), so it does not take the focus.
#[component]
pub fn CopyField(label: Signal<&'static str>, #[prop(into)] id: String, testid: &'static str, value: String, #[prop(optional)] quiet: bool) -> impl IntoView {
    let i18n = use_i18n();
    // None until Copy is pressed; then whether the clipboard took the value.
    let copied = RwSignal::new(None::<bool>);
    let input = NodeRef::<html::Input>::new();
    let to_copy = value.clone();
    let copy = move |_| {
        copied.set(None);
        copy_to_clipboard(&to_copy, move |ok| {
            if !ok {
                // The browser would not let us write; leave the value ready for the keyboard.
                select_all(input);
            }
            copied.set(Some(ok));
        });
    };
    // The button that led here may be far below, or gone (a form closes):
    // the value takes the focus, which also scrolls it into view if needed.
    if !quiet {
        Effect::new(move || focus(input));
    }
    view! {
        <div class="field">
            <label for=id.clone()>{move || label.get()}</label>
            <div class="copy-row">
                <input id=id type="text" readonly=true data-testid=testid node_ref=input prop:value=value/>
                <button type="button" on:click=copy>{move || i18n.t().copy}</button>
            </div>
            <p class="copy-status" class:fallback=move || copied.get() == Some(false) aria-live="polite" data-testid="copy-status">
                {move || copied.get().map(|ok| if ok { i18n.t().copied } else { i18n.t().press_ctrl_c })}
            </p>
        </div>
    }
}

/// Puts `text` on the clipboard and calls `done` with whether that worked.
#[cfg(feature = "csr")]
fn copy_to_clipboard(text: &str, done: impl Fn(bool) + 'static) {
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsValue;
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return done(false);
    };
    // `navigator.clipboard` is missing outside secure contexts (plain http to
    // a LAN address, say); calling through it would throw.
    let present = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")).is_ok_and(|c| !c.is_undefined());
    if !present {
        return done(false);
    }
    let done = Rc::new(done);
    let on_ok = {
        let done = done.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_| done(true))
    };
    let on_err = Closure::<dyn FnMut(JsValue)>::new(move |_| done(false));
    let _ = navigator.clipboard().write_text(text).then2(&on_ok, &on_err);
    // The promise settles after this returns, so JS must own the two
    // callbacks; they are a few bytes per click.
    on_ok.forget();
    on_err.forget();
}

/// Outside the browser there is no clipboard.
#[cfg(not(feature = "csr"))]
fn copy_to_clipboard(_text: &str, done: impl Fn(bool) + 'static) {
    done(false)
}

#[cfg(feature = "csr")]
fn select_all(input: NodeRef<html::Input>) {
    if let Some(el) = input.get_untracked() {
        let _ = el.focus();
        el.select();
    }
}

#[cfg(not(feature = "csr"))]
fn select_all(_input: NodeRef<html::Input>) {}

#[cfg(feature = "csr")]
fn focus(input: NodeRef<html::Input>) {
    if let Some(el) = input.get() {
        let _ = el.focus();
    }
}

#[cfg(not(feature = "csr"))]
fn focus(_input: NodeRef<html::Input>) {}
