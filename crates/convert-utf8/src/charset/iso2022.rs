//! ISO-2022-JP/-JP-2/-JP-3/-KR/-CN/-CN-EXT: escape-sequence state machines over shared double-byte sets.

crate::charset::family_not_yet_supported!(Iso2022Decoder);
