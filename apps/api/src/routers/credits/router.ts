import { router } from '../../trpc';
import { addCardRoute } from './add-card';
import { adjustRoute } from './adjust';
import { balanceRoute } from './balance';
import { cardsRoute } from './cards';
import { ledgerRoute } from './ledger';
import { refundRoute } from './refund';
import { removeCardRoute } from './remove-card';
import { setLowBalanceRoute } from './set-low-balance';
import { topUpRoute } from './top-up';
import { topUpsRoute } from './top-ups';
import { usageRoute } from './usage';

export const creditsRouter = router({
  addCard: addCardRoute,
  removeCard: removeCardRoute,
  cards: cardsRoute,
  topUp: topUpRoute,
  topUps: topUpsRoute,
  refund: refundRoute,
  adjust: adjustRoute,
  setLowBalance: setLowBalanceRoute,
  balance: balanceRoute,
  ledger: ledgerRoute,
  usage: usageRoute,
});
