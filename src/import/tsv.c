typedef int emb_placeholder_tsv;
