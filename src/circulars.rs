//! Circulars: their definitions (`templates/circulars/NNN-slug/`), the layouts, and their
//! rendering into mail for each member in their language. Pure functions of circular,
//! member and language; the only IO is reading the template files.

pub mod check;
mod context;
pub mod definition;
pub mod layout;
pub mod logic;
mod markdown;
pub mod message;
mod pieces;
pub mod reminder;
pub mod render;
mod settings;
mod status;
mod tags;
mod template;

pub use definition::{Circular, When};
pub use layout::Layout;
pub(crate) use pieces::escape_html;
pub use render::{Recipient, Rendered, Renderer};
pub use settings::Settings;
pub use status::CircularStatus;
