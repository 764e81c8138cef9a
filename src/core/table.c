typedef int emb_placeholder_table;
