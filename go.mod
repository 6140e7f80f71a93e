module github.com/govirt/govirt

go 1.24
