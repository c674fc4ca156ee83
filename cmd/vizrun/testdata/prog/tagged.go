//go:build vizruntag

package main

func init() { tagged = true }
