//! Where things live: paths, definition files, atomic writes, seeding.
