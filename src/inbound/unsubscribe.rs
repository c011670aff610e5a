//! Requests to stop receiving circulars.
