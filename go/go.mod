module github.com/nfqueue/nfqueue/go

go 1.24
