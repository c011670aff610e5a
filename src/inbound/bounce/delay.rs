//! The words of delay notices: the server is still trying, nothing has failed yet.

/// Words of a notice that only reports a delay: the server is still trying.
const DELAY: &[&str] = &[
    "will retry",
    "will be retried",
    "will continue trying",
    "will keep trying",
    "still trying",
    "has been delayed",
    "have been delayed",
    "was delayed",
    "delivery is delayed",
    "delivery delayed",
    "delayed mail",
    "not yet been delivered",
    "not been delivered yet",
    "delivery status notification (delay)",
    "message delayed",
    "warning: message",
    "no action is required on your part",
    "retardé",
    "différé",
    "n'a pas encore été remis",
    "n'a pas encore été distribué",
    "aún no se ha entregado",
    "aun no se ha entregado",
    "todavía no se ha entregado",
    "retrasado",
    "retraso",
    "sigue intentando",
];

/// Words that say delivery was given up, which makes a "delay" notice a failure.
const GIVEN_UP: &[&str] = &[
    "permanent",
    "given up",
    "giving up",
    "gave up",
    "failed",
    "could not be delivered",
    "couldn't be delivered",
    "was not delivered",
    "wasn't delivered",
    "undeliverable",
    "unable to deliver",
    "returned to sender",
    "no se pudo entregar",
    "n'a pas pu être remis",
    "non remis",
];

/// Words that say outright the server goes on trying: a word such as "failed" about one
/// attempt does not make these a failure, only the server saying it gave up.
const STILL_TRYING: &[&str] = &[
    "delivery attempts will continue",
    "will continue to try",
    "will continue trying",
    "will keep trying",
    "will be retried",
    "has been postponed",
    "not yet been delivered",
    "this warning may be repeated",
    "advisory-only",
    "no action is required on your part",
    "delivery status notification (delay)",
    "message delayed",
    "sigue intentando",
    "seguirá intentando",
    "seguira intentando",
    "se volverá a intentar",
    "nouvelles tentatives",
    "nouvelle tentative",
    "continuera d'essayer",
    "continuera à essayer",
];

/// Words that say the server gave up for good, whatever else it says.
const GAVE_UP: &[&str] = &[
    "permanent",
    "given up",
    "giving up",
    "gave up",
    "not be retried",
    "no further attempts",
    "no more attempts",
];

/// Whether `text` (lowercased) reports a delay and no failure.
pub fn only_delayed(text: &str) -> bool {
    let any = |list: &[&str]| list.iter().any(|w| text.contains(w));
    if any(GAVE_UP) {
        return false;
    }
    any(STILL_TRYING) || any(DELAY) && !any(GIVEN_UP)
}
