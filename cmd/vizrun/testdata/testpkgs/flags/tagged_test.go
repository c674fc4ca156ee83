//go:build vizruntag

package flags

func init() { tagged = true }
