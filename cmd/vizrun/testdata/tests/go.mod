module tests

go 1.26
