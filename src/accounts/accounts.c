typedef int emb_placeholder_accounts;
