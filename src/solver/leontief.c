typedef int emb_placeholder_leontief;
