# maftools::tmb() on a MAF, as its users run it (read.maf removes duplicated variants; captureSize 50).
# Rscript benchmarks/maftools_tmb.R cohort.maf.gz out.tsv
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(maftools))
maf <- read.maf(maf = args[1], verbose = FALSE)
res <- tmb(maf = maf, captureSize = 50, logScale = FALSE, plot = FALSE)
write.table(res, args[2], sep = "\t", quote = FALSE, row.names = FALSE)
cat(nrow(res), sum(res$total), "\n")
