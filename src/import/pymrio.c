typedef int emb_placeholder_pymrio;
