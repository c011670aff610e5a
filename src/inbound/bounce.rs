//! Delivery-status reports and the common non-standard bounce formats.
