// Package layer turns file entries into image layers and image layers back
// into file trees.
//
// Write streams entries into a layer blob in one pass (tar -> diffID ->
// gzip, zstd or nothing -> digest -> temporary file), deterministically, so
// the same entries give the same digest on any machine. Reader.Apply and
// Reader.Tree merge layers into a buildfs.Tree with OCI whiteout semantics,
// keeping file contents in the layers until something opens them. Extract
// writes a tree to a directory (--output type=local) without ever writing
// outside it.
package layer
