typedef int emb_placeholder_atomic;
