module cgoprog

go 1.26
